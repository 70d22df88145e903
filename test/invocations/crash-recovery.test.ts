import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/server/db/client.ts";
import { freshPostgresDatabase, type TFreshPostgres } from "../helpers/databases.ts";
import { startEntry, type TEntry } from "../helpers/entry-process.ts";
import { installIris, IRIS_ROW } from "../helpers/iris.ts";

/**
 * kill -9 during a run → the row is marked abandoned at the next start. The server is a real separate
 * process (fixtures/crash-entry.ts): the start-up code of server/main.ts for the database and the log,
 * and the lean-path server, without Next (which needs a production build). Its model runs hang, so a
 * request is in flight — written to the process's run journal, not yet to the table — when it is killed.
 */
/** The entry with the iris pipeline's REST invoke. */
async function startIrisEntry(target: string, dataDir: string, key: string, hang: boolean): Promise<TEntry & { invoke(): Promise<Response> }> {
  const entry = await startEntry(target, dataDir, { HANG_MODELS: hang ? "1" : "0" });
  return Object.assign(entry, {
    invoke: () =>
      fetch(`${entry.base}/api/v1/pipelines/iris-classifier/invoke`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ flower: IRIS_ROW }) }),
  });
}

const statuses = async (db: Database) => (await db.prisma.invocation.findMany({ select: { status: true, errorCode: true, instance: true }, orderBy: { startedAt: "asc" } })).map((r) => r.status);

describe("kill -9 during a run", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it("PGlite: the interrupted run's row is marked abandoned when the server starts again", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "inferline-crash-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const dataDir = path.join(dir, "pglite");
    let db = await openDatabase({ kind: "pglite", dataDir });
    const { key, runtime } = await installIris(db, dir);
    await runtime.close();
    const before = await db.prisma.invocation.count(); // the publish gate's runs
    await db.close();

    const a = await startIrisEntry(`pglite:${dataDir}`, dir, key, true);
    cleanup.push(() => a.kill9());
    expect(a.abandoned).toBe(0);
    const pending = a.invoke().catch((e: unknown) => e);
    await a.waitFor("model-run"); // the run is in the journal before the model runs (its row is not written yet)
    await a.kill9();
    expect(await pending).toBeInstanceOf(Error); // the caller got no answer

    const b = await startIrisEntry(`pglite:${dataDir}`, dir, key, false);
    cleanup.push(() => b.stop());
    expect(b.abandoned).toBe(1);
    const ok = await b.invoke();
    expect(ok.status).toBe(200);
    await b.stop();

    db = await openDatabase({ kind: "pglite", dataDir });
    cleanup.push(() => db.close());
    const rows = await db.prisma.invocation.findMany({ where: { source: "rest" }, orderBy: { startedAt: "asc" }, select: { status: true, errorCode: true, inputs: true } });
    expect(rows.map((r) => [r.status, r.errorCode])).toEqual([
      ["abandoned", "ABANDONED"],
      ["ok", null],
    ]);
    expect(rows[0]!.inputs).toEqual({ flower: IRIS_ROW });
    expect(await db.prisma.invocation.count()).toBe(before + 2);
  }, 120_000);

  it("PostgreSQL with replicas: only the dead process's running rows are marked, a live replica's stay running", async () => {
    const fresh: TFreshPostgres = await freshPostgresDatabase();
    cleanup.push(() => fresh.drop());
    const dir = await mkdtemp(path.join(tmpdir(), "inferline-crash-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const db = await openDatabase({ kind: "postgres", url: fresh.url });
    cleanup.push(() => db.close());
    const { key, runtime } = await installIris(db, dir);
    await runtime.close();

    // Each replica on its own disk (as on separate hosts): a's journal is out of c's reach, so a's row can only
    // be found through the table — `running`, with no process holding its instance's lock.
    const a = await startIrisEntry(fresh.url, path.join(dir, "a"), key, true);
    cleanup.push(() => a.kill9());
    const b = await startIrisEntry(fresh.url, path.join(dir, "b"), key, true);
    cleanup.push(() => b.kill9());
    expect(a.instance).not.toBe(b.instance);
    const pending = [a.invoke().catch((e: unknown) => e), b.invoke().catch((e: unknown) => e)];
    await Promise.all([a.waitFor("model-run"), b.waitFor("model-run")]);
    // Runs still going after a second get a `running` row (until then they are only in each process's journal).
    for (let i = 0; i < 100 && (await statuses(db)).filter((s) => s === "running").length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await statuses(db)).filter((s) => s === "running")).toHaveLength(2);
    await a.kill9();

    const c = await startIrisEntry(fresh.url, path.join(dir, "c"), key, false);
    cleanup.push(() => c.stop());
    expect(c.abandoned).toBe(1);
    const rest = await db.prisma.invocation.findMany({ where: { source: "rest" }, select: { status: true, instance: true } });
    expect(rest).toEqual(expect.arrayContaining([{ status: "abandoned", instance: a.instance }, { status: "running", instance: b.instance }]));
    expect(rest).toHaveLength(2);

    await b.kill9();
    await Promise.all(pending);
    await c.stop();
  }, 120_000);
});
