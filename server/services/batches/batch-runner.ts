import type PgBoss from "pg-boss";
import type { Database } from "../../db/client.ts";
import { INSTANCE_LOCK_NAMESPACE } from "../invocations/instance-lease.ts";
import type { TEngineDeps } from "../runs/engine-deps.ts";
import { RunnableResolver } from "../runs/runnable-resolver.ts";
import { CHUNK_QUEUE, DEAD_CHUNK_QUEUE, type BatchQueue, type TChunkJob } from "./job-queue.ts";
import { errorRow, runChunk, Semaphore, writeRows, type TChunkDeps } from "./run-chunk.ts";

export interface TBatchRunnerOptions {
  /** Rows run at once in this process (BATCH_CONCURRENCY). */
  concurrency: number;
  /** Chunk jobs worked on at once (so a chunk's last rows do not leave the process idle). */
  chunksAtOnce?: number;
  /** This process's instance lease (PostgreSQL; see instance-lease.ts), stamped on its claims. */
  instance: number | null;
  /** How often dead workers' claims are looked for (PostgreSQL). */
  reapEveryMs?: number;
  /** How often batches left `queued` without jobs are queued again. */
  sweepEveryMs?: number;
  pollingIntervalSeconds?: number;
}

export interface TBatchRunner {
  /** Stops taking jobs; chunks in progress are failed back to the queue by the queue's graceful stop. */
  stop(): Promise<void>;
}

/**
 * Takes chunk jobs from the queue and runs them (run-chunk.ts) — in the web process (BATCH_RUNNER=inline) or in
 * `npm run worker` processes. At-least-once: a job is retried when its handler throws, when its worker stops
 * (pg-boss fails work in progress), and when its worker dies: each job being run has a claim row stamped with
 * the process's instance lease, and a claim whose lease is no longer held (the process is gone: kill -9, OOM)
 * gets its job failed at once so a live worker retries it — without waiting for pg-boss's expiry (an hour).
 * Retried rows are idempotent (run-chunk.ts), so at-least-once jobs give exactly-once rows.
 */
export async function startBatchRunner(deps: { db: Database; queue: BatchQueue; engine: TEngineDeps }, opts: TBatchRunnerOptions): Promise<TBatchRunner> {
  const { db, queue } = deps;
  const chunkDeps: TChunkDeps = { db: db.prisma, engine: deps.engine, resolver: new RunnableResolver(db.prisma, { ttlMs: 60_000, allowArchived: true }), rows: new Semaphore(opts.concurrency), running: new Set() };
  const instance = opts.instance;
  const boss = queue.boss;

  // The embedded database is opened by one process: every claim found at start is a previous run's.
  await reapClaims(db, queue, db.kind === "pglite");

  const work = async ([job]: PgBoss.Job<TChunkJob>[]) => {
    if (!job) return;
    const { batchId, chunkIndex } = job.data;
    await db.prisma.$executeRaw`
      INSERT INTO "BatchClaim" ("batchId", "chunkIndex", "jobId", instance) VALUES (${batchId}::uuid, ${chunkIndex}, ${job.id}::uuid, ${instance})
      ON CONFLICT ("batchId", "chunkIndex") DO UPDATE SET "jobId" = excluded."jobId", instance = excluded.instance, "claimedAt" = now()`;
    try {
      await runChunk(chunkDeps, job.data);
    } finally {
      await db.prisma.$executeRaw`DELETE FROM "BatchClaim" WHERE "batchId" = ${batchId}::uuid AND "chunkIndex" = ${chunkIndex} AND "jobId" = ${job.id}::uuid`.catch(() => {});
    }
  };
  const polling = { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1 };
  const workers: string[] = [];
  for (let i = 0; i < (opts.chunksAtOnce ?? 2); i++) workers.push(await boss.work<TChunkJob>(CHUNK_QUEUE, polling, work));
  // A chunk that failed every retry: its rows without a result fail with BATCH_CHUNK_FAILED, so the batch finishes.
  workers.push(await boss.work<TChunkJob>(DEAD_CHUNK_QUEUE, polling, ([job]) => (job ? failChunk(db, job.data) : Promise.resolve())));

  const timers: NodeJS.Timeout[] = [];
  if (db.kind === "postgres") timers.push(setInterval(() => void reapClaims(db, queue, false).catch((e: unknown) => console.error("[inferline] batch claims:", e)), opts.reapEveryMs ?? 3_000));
  const sweep = () => void requeueStranded(db, queue).catch((e: unknown) => console.error("[inferline] batch sweep:", e));
  timers.push(setInterval(sweep, opts.sweepEveryMs ?? 30_000));
  for (const t of timers) t.unref();

  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      for (const id of workers) await boss.offWork({ id }).catch(() => {});
    },
  };
}

/**
 * Claims of dead processes: deleted, and their jobs failed (so retried now). `all` (embedded database, at
 * start): every claim. PostgreSQL: claims whose instance holds no advisory lock (pg_locks), as for the
 * invocation log's `running` rows (recover-interrupted-runs.ts); a claim without an instance (a process without
 * a lease: tests) is left to pg-boss's expiry.
 */
export async function reapClaims(db: Pick<Database, "kind" | "prisma">, queue: BatchQueue, all: boolean): Promise<number> {
  const rows = all
    ? await db.prisma.$queryRaw<{ jobId: string }[]>`DELETE FROM "BatchClaim" RETURNING "jobId"::text`
    : await db.prisma.$queryRawUnsafe<{ jobId: string }[]>(
        `DELETE FROM "BatchClaim" c
         WHERE c.instance IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM pg_locks l
           WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND l.classid = $1::int8::oid AND l.objid = c.instance::int8::oid)
         RETURNING "jobId"::text`,
        INSTANCE_LOCK_NAMESPACE,
      );
  // A worker that died between taking a job and writing its claim left the job active with no claim: after 30 s
  // (a live worker writes its claim at once) it is failed too, so a live worker retries it rather than pg-boss at
  // expiry (an hour). Rows are idempotent, so failing a job that still runs somewhere is safe.
  const orphans = all
    ? []
    : await db.prisma.$queryRawUnsafe<{ jobId: string }[]>(
        `SELECT j.id::text AS "jobId" FROM pgboss.job j
         WHERE j.name = $1 AND j.state = 'active' AND j.started_on < now() - interval '30 seconds'
           AND NOT EXISTS (SELECT 1 FROM "BatchClaim" c WHERE c."jobId" = j.id)`,
        CHUNK_QUEUE,
      );
  await queue.fail([...rows, ...orphans].map((r) => r.jobId));
  return rows.length + orphans.length;
}

/** Batches still `queued` a minute after they were created: their jobs may never have been queued (the process died in between). */
async function requeueStranded(db: Pick<Database, "prisma">, queue: BatchQueue): Promise<void> {
  const stranded = await db.prisma.batch.findMany({ where: { status: "queued", createdAt: { lt: new Date(Date.now() - 60_000) } }, select: { id: true, attempt: true, datasetId: true }, take: 20 });
  for (const b of stranded) {
    const todo = await db.prisma.$queryRaw<{ index: number }[]>`
      SELECT c.index FROM "DatasetChunk" c
      LEFT JOIN (SELECT "chunkIndex", count(*)::int AS n FROM "BatchRow" WHERE "batchId" = ${b.id}::uuid GROUP BY 1) r ON r."chunkIndex" = c.index
      WHERE c."datasetId" = ${b.datasetId}::uuid AND coalesce(r.n, 0) < c."rowCount"`;
    await queue.enqueue(b.id, b.attempt, todo.map((t) => t.index));
  }
}

async function failChunk(db: Pick<Database, "prisma">, job: TChunkJob): Promise<void> {
  const batch = await db.prisma.batch.findUnique({ where: { id: job.batchId }, select: { attempt: true, datasetId: true } });
  if (!batch || batch.attempt !== job.attempt) return;
  const chunk = await db.prisma.datasetChunk.findUnique({ where: { datasetId_index: { datasetId: batch.datasetId, index: job.chunkIndex } }, select: { firstRow: true, rowCount: true } });
  if (!chunk) return;
  const rows = Array.from({ length: chunk.rowCount }, (_, i) => errorRow(job, chunk.firstRow + i, null, "BATCH_CHUNK_FAILED", "This row's chunk failed on every retry (see the server log); it was not run."));
  await writeRows(db.prisma, job.batchId, job.attempt, rows); // rows that have a result keep it (ON CONFLICT DO NOTHING)
}
