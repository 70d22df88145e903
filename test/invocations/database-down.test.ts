import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/server/db/client.ts";
import type { TModelRunner } from "@/server/engine/define-node.ts";
import { startInvocationLog, type TInvocationLogService } from "@/server/services/invocations/start-invocation-log.ts";
import type { TModelRuntime } from "@/server/services/models/model-runtime.ts";
import { freshPostgresDatabase, TEST_DATABASE_URL, type TFreshPostgres } from "../helpers/databases.ts";
import { testEngine } from "../helpers/engine.ts";
import { installIris, IRIS_ROW } from "../helpers/iris.ts";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";

/** A model runner that counts runs and can hold them at a gate. */
function countingRunner(inner: TModelRunner) {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let entered: (() => void) | undefined;
  const r = {
    runs: 0,
    hold() {
      gate = new Promise((res) => (open = res));
      return new Promise<void>((res) => (entered = res));
    },
    release() {
      open?.();
      gate = undefined;
    },
    runner: {
      run: async (...args: Parameters<TModelRunner["run"]>) => {
        r.runs++;
        if (gate) {
          entered?.();
          await gate;
        }
        return inner.run(...args);
      },
    } as TModelRunner,
  };
  return r;
}

/** The database stops accepting connections (the shared cluster keeps running for the other tests). */
async function setConnections(name: string, allow: boolean) {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS ${allow}`);
    if (!allow) await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
  } finally {
    await admin.end();
  }
}

describe("database unavailable → 503 NOT_READY and nothing runs unlogged", () => {
  /** Polls until `check` returns a value (≤ 10 s): in `journal` mode a row reaches the database shortly after its call. */
  async function eventually<T>(check: () => Promise<T | null | undefined>): Promise<T> {
    for (let i = 0; i < 100; i++) {
      const v = await check().catch(() => null);
      if (v !== null && v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("timed out");
  }

  describe.each(["commit", "journal"] as const)("PostgreSQL, durability %s", (durability) => {
    let fresh: TFreshPostgres;
    let db: Database;
    let dir: string;
    let runtime: TModelRuntime;
    let h: TServingHarness;
    let log: TInvocationLogService;
    let key: string;
    let counter: ReturnType<typeof countingRunner>;
    const invoke = () => fetch(`${h.base}/api/v1/pipelines/iris-classifier/invoke`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ flower: IRIS_ROW }) });
    const name = () => new URL(fresh.url).pathname.slice(1);
    /** A test that only means something in one mode is declared only there (not declared-and-skipped in the other). */
    const whenMode = (mode: typeof durability) => (mode === durability ? it : ((() => undefined) as unknown as typeof it));

    beforeAll(async () => {
      fresh = await freshPostgresDatabase();
      db = await openDatabase({ kind: "postgres", url: fresh.url });
      dir = await mkdtemp(path.join(tmpdir(), "inferline-down-"));
      ({ key, runtime } = await installIris(db, dir));
      counter = countingRunner(runtime.runner);
      // The log as the server starts it (instance lease, writer pool with its prepared statement).
      log = await startInvocationLog(db, { url: fresh.url, journalDir: path.join(dir, "invocation-journal"), retention: { days: 30, firstDelayMs: 3_600_000 }, writer: { writeTimeoutMs: 3_000, orphanRetryMs: 300, durability } });
      h = await startServingHarness({ db, engine: testEngine(counter.runner, { invocations: log.writer }), adminSetup: false });
    }, 120_000);
    afterAll(async () => {
      await setConnections(name(), true).catch(() => {});
      await h?.close();
      await log?.close();
      await runtime?.close();
      await db?.close();
      await fresh?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it("refuses calls while the database is down, without running them, and serves again when it is back", async () => {
      expect((await invoke()).status).toBe(200);
      const runs = counter.runs;
      await eventually(async () => (log.writer.stats().unshipped === 0 ? true : null)); // journal: its row has shipped
      const rows = await db.prisma.invocation.count({ where: { source: "rest" } });

      await setConnections(name(), false);
      // A run starts only when the database answered within the writer's freshMs (25 ms; under load every group
      // commit is such an answer), else it asks first: once that is past, calls are refused without running.
      // (A call racing the outage runs, is answered 503 and its row comes back as abandoned: the next test.)
      await new Promise((r) => setTimeout(r, 60));
      // First with the pipeline cached by the serving path (the log is what fails), then not.
      for (let i = 0; i < 3; i++) {
        const res = await invoke();
        expect(res.status).toBe(503);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        expect(await res.json()).toMatchObject({ status: 503, code: "NOT_READY" });
        if (i === 0) await new Promise((r) => setTimeout(r, 2_100)); // past the resolver's cache
      }
      expect(counter.runs).toBe(runs); // nothing ran

      await setConnections(name(), true);
      expect((await invoke()).status).toBe(200);
      expect(counter.runs).toBe(runs + 1);
      await eventually(async () => ((await db.prisma.invocation.count({ where: { source: "rest" } })) === rows + 1 ? true : null));
    }, 60_000);

    /** journal mode: a call whose run is going when the database goes away is answered 200; its invocation id. */
    async function answeredWhileDatabaseGoes(): Promise<string> {
      const entered = counter.hold();
      const pending = invoke();
      await entered;
      await setConnections(name(), false);
      counter.release();
      const res = await pending;
      expect(res.status).toBe(200);
      return ((await res.json()) as { invocation_id: string }).invocation_id;
    }

    whenMode("journal")("journal: a run finishing while the database is down is answered (its row is on disk) and reaches the database, ok, once it is back", async () => {
      const id = await answeredWhileDatabaseGoes();
      expect(id).toBeTruthy();
      expect(log.writer.stats().unshipped).toBe(1);
      await new Promise((r) => setTimeout(r, 500)); // a shipping attempt or two fail meanwhile
      await setConnections(name(), true);
      const row = await eventually(() => db.prisma.invocation.findUnique({ where: { id }, select: { status: true, inputs: true } }));
      expect(row).toEqual({ status: "ok", inputs: { flower: IRIS_ROW } });
      await eventually(async () => (log.writer.stats().unshipped === 0 ? true : null));
    }, 60_000);

    whenMode("journal")("journal: a row the database never got before the server stopped is written at the next start, with its outcome", async () => {
      const id = await answeredWhileDatabaseGoes();
      // The server stops while the database is still down: the row stays in the journal.
      await h.close();
      await log.close();
      await setConnections(name(), true);
      expect(await db.prisma.invocation.findUnique({ where: { id } })).toBeNull();
      log = await startInvocationLog(db, { url: fresh.url, journalDir: path.join(dir, "invocation-journal"), retention: { days: 30, firstDelayMs: 3_600_000 }, writer: { writeTimeoutMs: 3_000, orphanRetryMs: 300, durability } });
      expect(log.replayed).toBe(1);
      expect(await db.prisma.invocation.findUniqueOrThrow({ where: { id }, select: { status: true, inputs: true } })).toEqual({ status: "ok", inputs: { flower: IRIS_ROW } });
      h = await startServingHarness({ db, engine: testEngine(counter.runner, { invocations: log.writer }), adminSetup: false });
      expect((await invoke()).status).toBe(200);
    }, 60_000);

    whenMode("commit")("a run whose outcome cannot be logged is not acknowledged (503); its row is marked abandoned once the database is back", async () => {
      const entered = counter.hold();
      const pending = invoke();
      await entered; // the run is registered (and journaled), the model is running
      await setConnections(name(), false);
      counter.release();
      const res = await pending;
      expect(res.status).toBe(503);
      const body = (await res.json()) as { code: string; details: { invocationId: string } };
      expect(body.code).toBe("NOT_READY");
      await setConnections(name(), true);
      const id = body.details.invocationId;
      for (let i = 0; i < 50; i++) {
        const row = await db.prisma.invocation.findUnique({ where: { id }, select: { status: true } }).catch(() => null);
        if (row?.status === "abandoned") break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await db.prisma.invocation.findUniqueOrThrow({ where: { id }, select: { status: true, errorCode: true, inputs: true } })).toEqual({ status: "abandoned", errorCode: "ABANDONED", inputs: { flower: IRIS_ROW } });
      expect(log.writer.stats().orphans).toBe(0);
    }, 60_000);
  });

  describe("PGlite", () => {
    let h: TServingHarness;
    let db: Database;
    let ran = 0;

    beforeAll(async () => {
      db = await openDatabase({ kind: "pglite", dataDir: "memory://" });
      h = await startServingHarness({ db, engine: testEngine({ run: () => Promise.reject(new Error("unused")) }, { observer: { runFinished: () => void ran++ } }) });
    });
    afterAll(async () => h?.close());

    it("a closed embedded database answers 503 NOT_READY and runs nothing", async () => {
      const api = await h.admin.api();
      await api.pipelines.create({ slug: "toy", name: "Toy" });
      const { toyClassifierGraph } = await import("../helpers/example-graphs.ts");
      await api.drafts.save({ slug: "toy", graph: toyClassifierGraph(), layout: {}, baseRevision: 1 });
      await api.versions.commit({ slug: "toy", message: "v1" });
      await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
      const { key } = await api.apiKeys.create({ name: "k", pipelines: [] });
      const call = () => fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ flower: { a: 1, b: 2 } }) });
      expect((await call()).status).toBe(200);
      expect(ran).toBe(1);
      await db.close();
      await new Promise((r) => setTimeout(r, 60)); // past the writer's freshMs: the next run asks the database first
      const res = await call();
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: "NOT_READY" });
      expect(ran).toBe(1);
    });
  });
});
