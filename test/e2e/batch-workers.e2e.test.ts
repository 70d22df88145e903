import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/server/db/client.ts";
import { ingestDataset } from "@/server/services/batches/ingest-dataset.ts";
import { BatchQueue } from "@/server/services/batches/job-queue.ts";
import { startBatch } from "@/server/services/batches/start-batch.ts";
import { TestClient } from "../helpers/clients.ts";
import { freshPostgresDatabase, type TFreshPostgres } from "../helpers/databases.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { startWorker as startWorkerProcess, type TWorkerProcess } from "../helpers/worker-process.ts";

/**
 * Issue 11, item 3: two `npm run worker` processes on one PostgreSQL database; one is killed with SIGKILL in the
 * middle of a batch. The batch finishes on the other, with every input row written once (no row lost, none
 * counted twice) and exactly one `batch` Invocation per row — also after a third worker starts on the same host
 * and recovers the killed one's run journal (its interrupted runs become `abandoned` only where no outcome exists).
 */
const ROWS = 12_000;

const startWorker = (url: string, dataDir: string) => startWorkerProcess({ DATABASE_URL: url, DATA_DIR: dataDir, BATCH_CONCURRENCY: "4" });

describe("batch workers: kill -9 one mid-batch", () => {
  let pg: TFreshPostgres;
  let db: Database;
  let dir: string;
  let queue: BatchQueue;
  const workers: TWorkerProcess[] = [];

  beforeAll(async () => {
    pg = await freshPostgresDatabase();
    db = await openDatabase({ kind: "postgres", url: pg.url });
    dir = await mkdtemp(path.join(tmpdir(), "inferline-batch-workers-"));
    const admin = new TestClient(db.prisma);
    await (await admin.api()).auth.setup({ email: "admin@example.com", name: "Admin", password: "password-admin" });
    const api = await admin.api();
    await api.pipelines.create({ slug: "toy", name: "Toy" });
    const d = await api.drafts.get({ slug: "toy" });
    await api.drafts.save({ slug: "toy", graph: toyClassifierGraph(), layout: {}, baseRevision: d.revision });
    await api.versions.commit({ slug: "toy", message: "v1" });
    queue = await BatchQueue.start(db, { url: pg.url }); // this process only queues
  });
  afterAll(async () => {
    for (const w of workers) await w.stop().catch(() => {});
    await queue?.close();
    await db?.close();
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("the batch completes on the surviving worker: rows == input rows, each once, one batch invocation each", async () => {
    const a = startWorker(pg.url, dir);
    const b = startWorker(pg.url, dir);
    workers.push(a, b);
    const [ia] = await Promise.all([a.instance, b.instance]);

    const pipeline = await db.prisma.pipeline.findUniqueOrThrow({ where: { slug: "toy" } });
    const csv = Readable.from(
      (function* () {
        yield "a,b\n";
        for (let i = 0; i < ROWS; i++) yield `${i % 11},${i % 5}\n`;
      })(),
    );
    const ds = await ingestDataset(db.prisma, { pipelineId: pipeline.id, format: "csv", name: "rows.csv", body: csv }, { maxBytes: 64 * 1024 * 1024, maxRows: ROWS, maxEntryBytes: 1024, tmpDir: dir });
    const actor = await db.prisma.user.findFirstOrThrow({ select: { id: true, email: true, name: true, role: true } });
    const batch = await startBatch({ db: db.prisma, queue }, { slug: "toy", target: { version: 1 }, datasetId: ds.id, actor });

    // Kill A while it holds a chunk and rows are being written.
    for (let t0 = Date.now(); ; ) {
      const [claims, progress] = await Promise.all([
        db.prisma.batchClaim.count({ where: { batchId: batch.id, instance: ia } }),
        db.prisma.batch.findUniqueOrThrow({ where: { id: batch.id }, select: { done: true, failed: true } }),
      ]);
      if (claims > 0 && progress.done + progress.failed > ROWS / 10) break;
      expect(progress.done + progress.failed, "the batch finished before a worker could be killed").toBeLessThan(ROWS);
      expect(Date.now() - t0).toBeLessThan(90_000);
      await new Promise((r) => setTimeout(r, 20));
    }
    await a.kill9();
    const atKill = await db.prisma.batch.findUniqueOrThrow({ where: { id: batch.id }, select: { done: true } });
    expect(atKill.done).toBeLessThan(ROWS);

    let final;
    for (let t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 200))) {
      final = await db.prisma.batch.findUniqueOrThrow({ where: { id: batch.id } });
      if (final.status !== "running" && final.status !== "queued") break;
      expect(Date.now() - t0, `batch stuck at ${final.done}+${final.failed}/${final.total}\n${b.output()}`).toBeLessThan(120_000);
    }
    expect(final).toMatchObject({ status: "succeeded", total: ROWS, done: ROWS, failed: 0 });

    const check = async () => {
      const rows = await db.prisma.batchRow.findMany({ where: { batchId: batch.id }, select: { rowIndex: true, invocationId: true } });
      expect(rows).toHaveLength(ROWS);
      expect(new Set(rows.map((r) => r.rowIndex)).size).toBe(ROWS);
      const inv = await db.prisma.invocation.groupBy({ by: ["status"], where: { source: "batch" }, _count: true });
      expect(inv).toEqual([{ status: "ok", _count: ROWS }]);
      const linked = await db.prisma.invocation.count({ where: { source: "batch", id: { in: rows.map((r) => r.invocationId!) } } });
      expect(linked).toBe(ROWS);
    };
    // Invocation rows reach the database within the workers' log shipping delay (durability `journal`): retry briefly.
    for (let i = 0; ; i++) {
      try {
        await check();
        break;
      } catch (e) {
        if (i >= 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // A's chunk ran again on B: the claim reaper failed its job at once (pg-boss counts the retry).
    expect(await db.prisma.batchClaim.count({ where: { batchId: batch.id } })).toBe(0);
    const retried = await db.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'inferline-batch-chunk' AND retry_count > 0 AND state = 'completed'`);
    expect(retried[0]!.n).toBeGreaterThanOrEqual(1);

    // A third worker on this host recovers A's run journal: interrupted runs whose rows B wrote stay `ok`.
    const c = startWorker(pg.url, dir);
    workers.push(c);
    await c.instance;
    await check();
  }, 240_000);
});
