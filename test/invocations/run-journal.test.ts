import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readInterruptedRuns, RunJournal } from "@/server/services/invocations/run-journal.ts";

/** The pid of a process that has exited (its journal is a dead process's). */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

describe("run journal", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "inferline-journal-"));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("writes begun runs before resolving, batches a turn's lines, and removes the file on a clean stop", async () => {
    const open = new Map<string, string>();
    const j = new RunJournal(dir, () => open.values());
    const rows = [1, 2, 3].map((n) => JSON.stringify({ id: `id-${n}`, inputs: { n } }));
    rows.forEach((r, i) => open.set(`id-${i + 1}`, r));
    await Promise.all(rows.map((r) => j.begin(r)));
    const [file] = await readdir(dir);
    expect(file).toMatch(new RegExp(`^${process.pid}-\\d+\\.0\\.journal$`));
    expect(await readFile(path.join(dir, file!), "utf8")).toBe(rows.map((r) => `B ${r}\n`).join(""));

    open.delete("id-1");
    j.end(["id-1"]);
    await new Promise((r) => setImmediate(r));
    expect(await readFile(path.join(dir, file!), "utf8")).toContain("F id-1\n");
    // This process is alive: its journal is not another's to recover.
    expect(readInterruptedRuns(dir)).toEqual({ rows: [], files: [] });

    open.clear();
    j.close();
    expect(await readdir(dir)).toEqual([]);
    await expect(j.begin("{}")).rejects.toMatchObject({ code: "NOT_READY" });
  });

  it("keeps the file when runs are still open at close, and rotates to a file of open runs only", async () => {
    const open = new Map<string, string>();
    const j = new RunJournal(dir, () => open.values(), { maxBytes: 200 });
    for (let n = 0; n < 10; n++) {
      const row = JSON.stringify({ id: `r${n}`, pad: "x".repeat(40) });
      open.set(`r${n}`, row);
      await j.begin(row);
      if (n < 8) {
        open.delete(`r${n}`);
        j.end([`r${n}`]);
      }
    }
    await new Promise((r) => setImmediate(r));
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).not.toMatch(/\.0\.journal$/); // rotated at least once
    j.close();
    const text = await readFile(path.join(dir, files[0]!), "utf8");
    const begun = text.split("\n").filter((l) => l.startsWith("B ")).map((l) => (JSON.parse(l.slice(2)) as { id: string }).id);
    expect(begun).not.toContain("r0");
    expect(begun).toEqual(expect.arrayContaining(["r8", "r9"]));
  });

  it("finds the runs a dead process begun and never finished, skipping torn lines and live processes", async () => {
    const dead = deadPid();
    const a = JSON.stringify({ id: "a", inputs: { x: 1 } });
    const b = JSON.stringify({ id: "b", inputs: { x: 2 } });
    const c = JSON.stringify({ id: "c", inputs: { x: 3 } });
    await writeFile(path.join(dir, `${dead}-1.0.journal`), `B ${a}\nB ${b}\nF a\n`);
    // After a rotation: the old file was not removed yet when the process died; c's line is torn.
    await writeFile(path.join(dir, `${dead}-1.1.journal`), `B ${b}\nB ${c.slice(0, 10)}`);
    await writeFile(path.join(dir, `${process.pid}-1.0.journal`), `B ${JSON.stringify({ id: "mine" })}\n`);
    await writeFile(path.join(dir, "notes.txt"), "B {}\n");
    const found = readInterruptedRuns(dir);
    expect(found.rows).toEqual([b]);
    expect(found.files.map((f) => path.basename(f)).sort()).toEqual([`${dead}-1.0.journal`, `${dead}-1.1.journal`]);
  });
});
