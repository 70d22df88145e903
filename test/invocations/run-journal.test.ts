import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { recoverJournaledRuns } from "@/server/services/invocations/recover-interrupted-runs.ts";
import { readInterruptedRuns, RunJournal } from "@/server/services/invocations/run-journal.ts";
import { TestClient } from "../helpers/clients.ts";
import { BACKENDS } from "../helpers/databases.ts";

const HOST = hostname().replace(/[^A-Za-z0-9.]/g, "_") || "host";

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
    const j = new RunJournal(dir, () => [...open.values()].map((json) => ({ json, recorded: false })));
    const rows = [1, 2, 3].map((n) => JSON.stringify({ id: `id-${n}`, inputs: { n } }));
    rows.forEach((r, i) => open.set(`id-${i + 1}`, r));
    await Promise.all(rows.map((r) => j.begin(r)));
    const [file] = await readdir(dir);
    expect(file).toBe(`${HOST}-${process.pid}-${file!.split("-").at(-1)!.split(".")[0]}.0.journal`);
    expect(await readFile(path.join(dir, file!), "utf8")).toBe(rows.map((r) => `B ${r}\n`).join(""));

    open.delete("id-1");
    j.end(["id-1"]);
    await new Promise((r) => setImmediate(r));
    expect(await readFile(path.join(dir, file!), "utf8")).toContain("F id-1\n");
    // This process is alive: its journal is not another's to recover.
    expect(readInterruptedRuns(dir)).toEqual({ rows: [], finished: [], files: [] });

    open.clear();
    j.close();
    expect(await readdir(dir)).toEqual([]);
    await expect(j.begin("{}")).rejects.toMatchObject({ code: "NOT_READY" });
  });

  it("keeps the file when runs are still open at close, and rotates to a file of open runs only", async () => {
    const open = new Map<string, string>();
    const j = new RunJournal(dir, () => [...open.values()].map((json) => ({ json, recorded: false })), { maxBytes: 200 });
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

  it("finds the runs dead processes begun and never finished: gone pids, reused pids, its own pid from before", async () => {
    const dead = deadPid();
    const now = Date.now();
    const a = JSON.stringify({ id: "a", inputs: { x: 1 } });
    const b = JSON.stringify({ id: "b", inputs: { x: 2 } });
    const c = JSON.stringify({ id: "c", inputs: { x: 3 } });
    await writeFile(path.join(dir, `${HOST}-${dead}-${now}.0.journal`), `B ${a}\nB ${b}\nF a\n`);
    // After a rotation: the old file was not removed yet when the process died; c's line is torn.
    await writeFile(path.join(dir, `${HOST}-${dead}-${now}.1.journal`), `B ${b}\nB ${c.slice(0, 10)}`);
    // A restarted container: the previous server had this very pid (its journal is not open here).
    const mine = JSON.stringify({ id: "mine" });
    await writeFile(path.join(dir, `${HOST}-${process.pid}-${now - 60_000}.0.journal`), `B ${mine}\n`);
    // The parent process is running and started before `now`: its journal is live. Opened in 1970, the same pid
    // is a later process that reused it: that journal is a dead one's.
    const live = JSON.stringify({ id: "live" });
    const reused = JSON.stringify({ id: "reused" });
    await writeFile(path.join(dir, `${HOST}-${process.ppid}-${now}.0.journal`), `B ${live}\n`);
    await writeFile(path.join(dir, `${HOST}-${process.ppid}-1000.0.journal`), `B ${reused}\n`);
    // Another host's journal is that host's to recover.
    await writeFile(path.join(dir, `some-other-host-${dead}-${now}.0.journal`), `B ${JSON.stringify({ id: "theirs" })}\n`);
    await writeFile(path.join(dir, "notes.txt"), "B {}\n");
    const found = readInterruptedRuns(dir);
    expect(found.rows.sort()).toEqual([b, mine, reused].sort());
    expect(found.files.map((f) => path.basename(f)).sort()).toEqual(
      [`${HOST}-${dead}-${now}.0.journal`, `${HOST}-${dead}-${now}.1.journal`, `${HOST}-${process.pid}-${now - 60_000}.0.journal`, `${HOST}-${process.ppid}-1000.0.journal`].sort(),
    );
  });
});

describe.each(BACKENDS)("recovery of journaled runs on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let dir: string;
  let pipelineId: string;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    const admin = new TestClient(db.prisma);
    await (await admin.api()).auth.setup({ email: "admin@example.com", name: "Admin", password: "password-admin" });
    await (await admin.api()).pipelines.create({ slug: "p", name: "P" });
    pipelineId = (await db.prisma.pipeline.findUniqueOrThrow({ where: { slug: "p" } })).id;
    dir = await mkdtemp(path.join(tmpdir(), "inferline-journal-db-"));
  });
  afterAll(async () => {
    await dispose?.();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes each interrupted run as abandoned with its inputs and truncated flag; a refused payload does not stop the start", async () => {
    const start = { pipelineId, versionNumber: 1, alias: null, draftHash: null, source: "rest", startedAt: new Date().toISOString(), userId: null, apiKeyId: null, instance: null };
    const ids = { plain: randomUUID(), cut: randomUUID(), nul: randomUUID(), surrogate: randomUUID(), done: randomUUID() };
    const lines = [
      `B ${JSON.stringify({ ...start, id: ids.plain, inputs: { x: 1 }, truncated: false })}`,
      `B ${JSON.stringify({ ...start, id: ids.cut, inputs: { x: { $truncated: { bytes: 9000, prefix: "[1," } } }, truncated: true })}`,
      `B ${JSON.stringify({ ...start, id: ids.nul, inputs: { text: "a\u0000b" }, truncated: false })}`,
      `B ${JSON.stringify({ ...start, id: ids.surrogate, inputs: { text: "lone \ud800" }, truncated: false })}`,
      `B ${JSON.stringify({ ...start, id: ids.done, inputs: {}, truncated: false })}`,
      `F ${ids.done}`,
    ];
    await writeFile(path.join(dir, `${HOST}-${deadPid()}-${Date.now()}.0.journal`), `${lines.join("\n")}\n`);
    expect(await recoverJournaledRuns(db, dir)).toBe(4);
    const rows = await db.prisma.invocation.findMany({ where: { id: { in: Object.values(ids) } }, select: { id: true, status: true, errorCode: true, inputs: true, truncated: true } });
    const by = new Map(rows.map((r) => [r.id, r]));
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.status === "abandoned" && r.errorCode === "ABANDONED")).toBe(true);
    expect(by.get(ids.plain)).toMatchObject({ inputs: { x: 1 }, truncated: false });
    expect(by.get(ids.cut)).toMatchObject({ truncated: true });
    expect(by.get(ids.nul)!.inputs).toEqual({ text: "a\ufffdb" });
    expect(by.get(ids.surrogate)).toMatchObject({ inputs: { $unloggable: "the database refused this payload" }, truncated: true });
    expect(await readdir(dir)).toEqual([]);
  });
});
