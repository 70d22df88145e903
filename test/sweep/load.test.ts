import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/server/db/client.ts";
import { ASSET_MAX_BYTES } from "@/server/services/assets/manage-assets.ts";
import { BACKENDS, freshPostgresDatabase } from "../helpers/databases.ts";
import { startEntry, type TEntry } from "../helpers/entry-process.ts";
import { call, expectProblem, expectUnchanged, filesUnder, snapshot, startSweep, type TSweep } from "./harness.ts";

/**
 * Issue 13, item 5 (load and crashes): 200 parallel REST invokes are 200 answers and 200 `ok` rows, each once;
 * kill -9 of a real server process mid-load loses no answered call, leaves no row `running` and writes no row
 * twice; gzip bombs on every route that decodes a body are refused with 413 while streaming, never inflated
 * into memory. Each case asserts the status, the problem's `code`, and that nothing was lost or changed.
 */
const PARALLEL = 200;
/** Concurrency 8 with 192 queued: exactly 200 in flight fit; the key's rate limit is exactly 200 a minute. */
const LIMITS = { maxConcurrentRuns: 8, maxQueued: PARALLEL - 8 };
const LIMIT = 256 * 1024; // the sweep server's body limit (REST, OIP, model and dataset uploads)
/** Gzip members may be concatenated: each inflates 1 MiB of "0" from ~1 KB, so the bomb is under every wire limit. */
const MIB_OF_ZEROS = gzipSync(Buffer.alloc(1 << 20, 0x30), { level: 9 });
const BOMB_MIB = 180;
const BOMB = Buffer.concat([gzipSync('{"flower":{"a":1,"b":2,"pad":"'), ...Array.from({ length: BOMB_MIB }, () => MIB_OF_ZEROS)]);

interface TRestRow {
  id: string;
  status: string;
  errorCode: string | null;
  call: string | null;
}
const restRows = (db: Database) =>
  db.prisma.$queryRawUnsafe<TRestRow[]>(`SELECT id::text AS id, status::text AS status, "errorCode", (inputs::jsonb)->'flower'->>'call' AS call FROM "Invocation" WHERE source = 'rest' ORDER BY id`);

describe.each(BACKENDS)("load sweep on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let h: TSweep;

  beforeAll(async () => {
    let url: string | undefined;
    ({ db, url, dispose } = await backend.open());
    h = await startSweep({ db, url, limits: LIMITS });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await dispose?.();
  });

  it(`${PARALLEL} parallel REST invokes: ${PARALLEL} answers, ${PARALLEL} ok rows, each once; the key's next call is 429 without a row`, async () => {
    // Decided: every call must run. The limits are set so that exactly 200 fit (8 running + 192 queued, 200 a
    // minute on the key); a 429 among the 200 is a failure, and the 201st call shows the key's limit holds.
    const { key } = await (await h.admin.api()).apiKeys.create({ name: "load", pipelines: [], rateLimitPerMinute: PARALLEL });
    const before = await restRows(db);
    const invoke = (n: number) => call(h.base, "POST", "/api/v1/pipelines/toy/invoke", { flower: { a: n % 7, b: 2, call: n } }, { authorization: `Bearer ${key}` });
    const t0 = performance.now();
    const calls = await Promise.all(Array.from({ length: PARALLEL }, (_, n) => invoke(n)));
    const ms = performance.now() - t0;
    expect(calls.map((c) => c.status).filter((s) => s !== 200), calls.find((c) => c.status !== 200)?.text).toEqual([]);
    const ids = calls.map((c) => String(c.body.invocation_id));
    expect(new Set(ids).size).toBe(PARALLEL);

    const rows = (await restRows(db)).filter((r) => !before.some((b) => b.id === r.id));
    expect(rows).toHaveLength(PARALLEL); // exactly one row per call, no more
    const byId = new Map(rows.map((r) => [r.id, r]));
    calls.forEach((c, n) => expect(byId.get(ids[n]!), `call ${n}`).toEqual({ id: ids[n], status: "ok", errorCode: null, call: String(n) }));
    expect(h.serving.stats()).toEqual({ running: 0, queued: 0 });

    // The key's budget is spent: refused before anything runs (no row, nothing changed), with Retry-After.
    const snap = await snapshot(db);
    const over = await invoke(PARALLEL);
    expectProblem(over, 429, "RATE_LIMITED", "the 201st call");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectUnchanged(db, snap);
    console.log(`[load] ${backend.name}: ${PARALLEL} parallel invokes answered and logged in ${ms.toFixed(0)} ms`);
  }, 60_000);

  it("gzip bombs on REST invoke, OIP infer, REST batches, model, dataset and asset uploads: 413 while inflating, the data never held, nothing kept", async () => {
    expect(BOMB.length).toBeLessThan(LIMIT); // only the inflated size can refuse it
    const bearer = { authorization: `Bearer ${h.key}` };
    const editor = { cookie: h.cookies.editor, "content-type": "application/octet-stream" };
    // [what, route, headers, code, its limit: what the route may hold (assets are read whole, up to 16 MiB)]
    const routes: [string, string, Record<string, string>, string, number][] = [
      ["REST invoke", "/api/v1/pipelines/toy/invoke", bearer, "PAYLOAD_TOO_LARGE", LIMIT],
      ["OIP infer", "/v2/models/toy/infer", bearer, "PAYLOAD_TOO_LARGE", LIMIT],
      ["REST batch", "/api/v1/pipelines/toy/batches?format=jsonl", { ...bearer, "content-type": "application/x-ndjson" }, "PAYLOAD_TOO_LARGE", LIMIT],
      ["model upload", "/api/models?name=bomb", editor, "MODEL_TOO_LARGE", LIMIT],
      ["dataset upload", "/api/datasets?slug=toy&format=jsonl", editor, "PAYLOAD_TOO_LARGE", LIMIT],
      ["asset upload", "/api/assets?slug=toy&name=bomb.txt", editor, "PAYLOAD_TOO_LARGE", ASSET_MAX_BYTES],
    ];
    const files = await filesUnder(h.dataDir);
    const before = await snapshot(db);
    for (const [what, url, headers, code, limit] of routes) {
      // The server runs in this process: sample its off-heap buffers (where inflated bytes go) while it answers.
      const base = process.memoryUsage().arrayBuffers;
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 2);
      const t0 = performance.now();
      const c = await call(h.base, "POST", url, BOMB, { ...headers, "content-encoding": "gzip" }).finally(() => clearInterval(sampler));
      expectProblem(c, 413, code, what);
      console.log(`[load] ${backend.name}: ${what}: gzip bomb (${(BOMB.length / 1024).toFixed(0)} KiB → ${BOMB_MIB} MiB) refused in ${(performance.now() - t0).toFixed(0)} ms, buffers +${((peak - base) / 2 ** 20).toFixed(1)} MiB at most`);
      // At most the route's limit (plus slack for garbage not yet collected), never the 180 MiB inflated.
      expect(peak - base, `${what}: buffers grew while refusing`).toBeLessThan(limit + 16 * 2 ** 20);
    }
    await expectUnchanged(db, before);
    expect(await filesUnder(h.dataDir)).toEqual(files); // no temp file left behind
    // The server still answers normally, and a gzip body under the limit is decoded on every route.
    expect((await call(h.base, "POST", "/api/v1/pipelines/toy/invoke", gzipSync(JSON.stringify({ flower: { a: 1, b: 2 } })), { ...bearer, "content-encoding": "gzip" })).status).toBe(200);
    const ds = await call(h.base, "POST", "/api/datasets?slug=toy&format=jsonl", gzipSync('{"flower":{"a":1,"b":2}}\n'), { ...editor, "content-encoding": "gzip" });
    expect(ds.status, ds.text).toBe(201);
    expect(ds.body.rowCount).toBe(1);
  }, 60_000);
});

/** A call in the stream: its number, what came back (or "network": no answer), the invocation id it was answered with. */
interface TStreamCall {
  n: number;
  status: number | "network";
  id?: string;
  code?: string;
}

/**
 * Where the killed server keeps its data. PostgreSQL is shared with this process, which watches the table while
 * the load runs; PGlite is opened by one process at a time, so this one looks only after the server stopped.
 */
interface TKillTarget {
  name: "postgres" | "pglite";
  open(dir: string): Promise<{ target: string; url: string | undefined; shared: boolean; openDb(): Promise<Database>; drop(): Promise<void> }>;
}
const KILL_TARGETS: TKillTarget[] = [
  {
    name: "postgres",
    async open() {
      const fresh = await freshPostgresDatabase();
      return { target: fresh.url, url: fresh.url, shared: true, openDb: () => openDatabase({ kind: "postgres", url: fresh.url }), drop: () => fresh.drop() };
    },
  },
  {
    name: "pglite",
    async open(dir) {
      const dataDir = path.join(dir, "pglite");
      return { target: `pglite:${dataDir}`, url: undefined, shared: false, openDb: () => openDatabase({ kind: "pglite", dataDir }), drop: async () => {} };
    },
  },
];

/** Both durability modes of the invocation log (server default `journal`: answered once the row is fsynced in the run journal). */
const KILL_CASES = KILL_TARGETS.flatMap((t) => (["journal", "commit"] as const).map((durability) => ({ ...t, durability })));

describe.each(KILL_CASES)("kill -9 of the server mid-load on $name, durability $durability", (backend) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it("every answered call keeps its ok row; every other row is ok or abandoned after the restart; none running, none twice", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "inferline-load-kill-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const store = await backend.open(dir);
    cleanup.push(() => store.drop());
    let db = await store.openDb();
    const setup = await startSweep({ db, url: store.url }); // admin, the toy pipeline, a key; its server is not used
    const key = setup.key;
    await setup.close();
    if (!store.shared) await db.close();
    else cleanup.push(() => db.close());

    // Every 8th run takes 1.2 s (its outcome reaches the log late): runs are in flight, some with `running` rows,
    // whenever the process dies. The queue is large enough that no call is refused.
    const env = { HANG_MODELS: "1", MAX_QUEUED_RUNS: "1000", SLOW_RUN_EVERY: "8", SLOW_RUN_MS: "1200", INVOCATION_LOG_DURABILITY: backend.durability };
    const dataDir = path.join(dir, "data");
    const a: TEntry = await startEntry(store.target, dataDir, env);
    cleanup.push(() => a.kill9());
    const calls: TStreamCall[] = [];
    let next = 0;
    let killed = false;
    const invoke = async (base: string, n: number): Promise<TStreamCall> => {
      try {
        const c = await call(base, "POST", "/api/v1/pipelines/toy/invoke", { flower: { a: n % 7, b: 2, call: n } }, { authorization: `Bearer ${key}` });
        return { n, status: c.status, ...(c.body.invocation_id ? { id: String(c.body.invocation_id) } : {}), ...(c.body.code ? { code: c.body.code } : {}) };
      } catch {
        return { n, status: "network" };
      }
    };
    const clients = Array.from({ length: 16 }, async () => {
      while (!killed) calls.push(await invoke(a.base, next++));
    });
    // Kill once the stream is going and a long run has been in flight past the `running` row's second: on
    // PostgreSQL, once that row is seen committed (so that path is crossed too).
    const t0 = Date.now();
    const running = () => (store.shared ? db.prisma.invocation.count({ where: { status: "running" } }) : Promise.resolve(null));
    for (;;) {
      const r = await running();
      if ((calls.length >= 100 && (r === null ? Date.now() - t0 > 2500 : r > 0)) || Date.now() - t0 > 20_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const runningAtKill = await running();
    killed = true;
    await a.kill9();
    await Promise.all(clients);
    if (runningAtKill !== null) expect(runningAtKill, "a long run was in flight at the kill").toBeGreaterThan(0);

    const answered = calls.filter((c) => c.status !== "network");
    const unanswered = calls.filter((c) => c.status === "network");
    // Before the kill every call ran: nothing was refused, so an answer is a 200 with its invocation id.
    expect(answered.filter((c) => c.status !== 200)).toEqual([]);
    expect(answered.every((c) => c.id)).toBe(true);
    expect(unanswered.length).toBeGreaterThan(0); // calls were inside the process when it died
    expect(unanswered.length).toBeLessThanOrEqual(16);

    // Restart on the same database (and the same DATA_DIR: its run journal); it serves, and logs, as before.
    const b = await startEntry(store.target, dataDir, env);
    cleanup.push(() => b.stop());
    const after = await invoke(b.base, next++);
    expect(after.status).toBe(200);
    await b.stop();
    if (!store.shared) {
      db = await store.openDb();
      cleanup.push(() => db.close());
    }
    const all = await restRows(db);
    expect(all.find((r) => r.id === after.id)).toMatchObject({ status: "ok", call: String(after.n) });
    const rows = all.filter((r) => r.id !== after.id);
    expect(rows.filter((r) => r.status === "running")).toEqual([]);
    expect(rows.filter((r) => r.status !== "ok" && r.status !== "abandoned")).toEqual([]);
    expect(rows.filter((r) => r.status === "abandoned").every((r) => r.errorCode === "ABANDONED")).toBe(true);
    // No duplicate rows: each row is one call (its number is in its inputs, abandoned rows' too).
    const byCall = new Map(rows.map((r) => [r.call, r]));
    expect(byCall.size).toBe(rows.length);
    expect(rows.every((r) => r.call !== null)).toBe(true);
    // Every answered call has its row, ok, under the id it was answered with.
    for (const c of answered) expect(byCall.get(String(c.n)), `call ${c.n}`).toEqual({ id: c.id, status: "ok", errorCode: null, call: String(c.n) });
    // The other rows belong to calls that got no answer: abandoned (begun, not finished) or ok (committed, answer lost).
    const lost = new Set(unanswered.map((c) => String(c.n)));
    const extra = rows.filter((r) => !answered.some((c) => String(c.n) === r.call));
    expect(extra.filter((r) => !lost.has(r.call!))).toEqual([]);
    const abandoned = rows.filter((r) => r.status === "abandoned").length;
    expect(abandoned).toBe(b.abandoned);
    expect(abandoned).toBeGreaterThanOrEqual(runningAtKill ?? 1); // the `running` rows, at least, were interrupted runs
    console.log(
      `[load] ${backend.name} (${backend.durability}): kill -9 mid-load: ${calls.length} calls, ${answered.length} answered (all logged ok), ${unanswered.length} unanswered: ${abandoned} logged abandoned at restart, ${extra.length - abandoned} logged ok before the answer was lost, ${unanswered.length - extra.length} never started; ${b.replayed} answered rows written from the journal at restart`,
    );
  }, 90_000);
});
