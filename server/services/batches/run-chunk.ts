import type { TPrisma } from "../../db/client.ts";
import type { DatasetFormat } from "../../db/generated/enums.ts";
import { AppError } from "../../errors.ts";
import type { TActor } from "../context.ts";
import { defaultInvocationLog, jsonArray, type TInvocationLog } from "../invocations/invocation-writer.ts";
import type { TEngineDeps } from "../runs/engine-deps.ts";
import { runPipeline, type TRunResult } from "../runs/run-pipeline.ts";
import type { RunnableResolver } from "../runs/runnable-resolver.ts";
import { derivedUuid, type TChunkJob } from "./job-queue.ts";
import { mapRecord, type TMapping, type TPipelineInput, type TRecord } from "./mapping.ts";

/** Limits how many rows run at once in this process, across all the chunks it works on. */
export class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

export interface TChunkDeps {
  db: TPrisma;
  engine: TEngineDeps;
  resolver: RunnableResolver;
  rows: Semaphore;
  /** Row keys running in this process (a chunk delivered twice to one process runs each row once). */
  running: Set<string>;
}

interface TRowResult {
  rowIndex: number;
  chunkIndex: number;
  attempt: number;
  status: "ok" | "error";
  invocationId: string | null;
  outputs: unknown;
  errorCode: string | null;
  errorMessage: string | null;
  errorNode: string | null;
  errorField: string | null;
  durationMs: number | null;
}

/**
 * The invocation id of a row's run: derived from (batch, attempt, row), so when a chunk runs again after a crash
 * the row's run upserts the same Invocation row instead of adding one (see invocation-writer.ts: FINISH_SQL);
 * the crashed process's journal entry for it is then recovered as `abandoned`, which never replaces an outcome.
 */
export function rowInvocationId(batchId: string, createdAt: Date, attempt: number, rowIndex: number): string {
  return derivedUuid(createdAt.getTime(), "row", batchId, attempt, rowIndex);
}

/**
 * Writes row results and counts them in one statement: rows already written (a chunk retried after a crash, or
 * delivered twice) are skipped by ON CONFLICT and so not counted; `done`/`failed` grow by exactly the rows this
 * statement inserted, and the statement that completes the count also finishes the batch. A chunk of an older
 * attempt writes nothing. Returns the batch's status after the write.
 */
const WRITE_ROWS_SQL = `
WITH ins AS (
  INSERT INTO "BatchRow" ("batchId", "rowIndex", "chunkIndex", attempt, status, "invocationId", outputs, "errorCode", "errorMessage", "errorNode", "errorField", "durationMs")
  SELECT $1::uuid, r."rowIndex", r."chunkIndex", r.attempt, r.status, r."invocationId", r.outputs, r."errorCode", r."errorMessage", r."errorNode", r."errorField", r."durationMs"
  FROM json_to_recordset($2::json) AS r("rowIndex" int, "chunkIndex" int, attempt int, status "BatchRowStatus", "invocationId" uuid, outputs json,
    "errorCode" text, "errorMessage" text, "errorNode" text, "errorField" text, "durationMs" float8)
  WHERE EXISTS (SELECT 1 FROM "Batch" WHERE id = $1::uuid AND attempt = $3::int)
  ON CONFLICT ("batchId", "rowIndex") DO NOTHING
  RETURNING status
), n AS (
  SELECT count(*) FILTER (WHERE status = 'ok')::int AS ok, count(*) FILTER (WHERE status = 'error')::int AS err FROM ins
)
UPDATE "Batch" b SET
  done = b.done + n.ok,
  failed = b.failed + n.err,
  status = CASE WHEN b.status IN ('queued', 'running') AND b.done + b.failed + n.ok + n.err >= b.total
    THEN (CASE WHEN b.failed + n.err > 0 THEN 'failed' ELSE 'succeeded' END)::"BatchStatus" ELSE b.status END,
  "finishedAt" = CASE WHEN b.status IN ('queued', 'running') AND b.done + b.failed + n.ok + n.err >= b.total THEN now() ELSE b."finishedAt" END
FROM n WHERE b.id = $1::uuid
RETURNING b.status::text AS status, b.attempt`;

/** Writes row results (see WRITE_ROWS_SQL); true while the batch still runs this attempt (more rows may start). */
export async function writeRows(db: TPrisma, batchId: string, attempt: number, rows: TRowResult[]): Promise<boolean> {
  // jsonArray: \u0000 becomes U+FFFD, as in the invocation log (a jsonb cast would refuse it).
  const r = await db.$queryRawUnsafe<{ status: string; attempt: number }[]>(WRITE_ROWS_SQL, batchId, jsonArray(rows.map((row) => JSON.stringify(row))), attempt);
  return !!r[0] && r[0].attempt === attempt && (r[0].status === "running" || r[0].status === "queued");
}

/**
 * Runs one chunk job: every row of the chunk that has no result yet, through runPipeline (the one code path of
 * the editor, REST and OIP: each row is an Invocation with source `batch`), `BATCH_CONCURRENCY` rows at once in
 * this process (rows queue for the inference pool like concurrent requests). Results are written in groups as
 * rows finish; a cancelled batch starts no further row. Throws (so pg-boss retries the job) when the database
 * or the invocation log is unavailable; rows written before that are kept.
 */
export async function runChunk(deps: TChunkDeps, job: TChunkJob): Promise<void> {
  const { db } = deps;
  const batch = await db.batch.findUnique({
    where: { id: job.batchId },
    select: { status: true, attempt: true, versionNumber: true, mapping: true, createdAt: true, userId: true, apiKeyId: true, datasetId: true, pipelineId: true, dataset: { select: { format: true, columns: true } } },
  });
  if (!batch || batch.attempt !== job.attempt || !["queued", "running"].includes(batch.status)) return;
  const chunk = await db.datasetChunk.findUnique({ where: { datasetId_index: { datasetId: batch.datasetId, index: job.chunkIndex } }, select: { firstRow: true, rowCount: true, records: true, files: true } });
  if (!chunk) return;
  if (batch.status === "queued") await db.batch.updateMany({ where: { id: job.batchId, status: "queued" }, data: { status: "running", startedAt: new Date() } });

  const have = new Set(
    (await db.batchRow.findMany({ where: { batchId: job.batchId, rowIndex: { gte: chunk.firstRow, lt: chunk.firstRow + chunk.rowCount } }, select: { rowIndex: true } })).map((r) => r.rowIndex),
  );
  const pipeline = await db.pipeline.findUniqueOrThrow({ where: { id: batch.pipelineId }, select: { slug: true } });
  const target = { version: batch.versionNumber };
  const runnable = await deps.resolver.resolve(pipeline.slug, target);
  const inputs: TPipelineInput[] = runnable.compiled.plan?.inputs.map((i) => ({ name: i.name, kind: i.kind, required: i.required })) ?? [];
  const records = chunk.records as unknown as TRecord[];
  const files = chunk.files ? Buffer.from(chunk.files.buffer, chunk.files.byteOffset, chunk.files.byteLength) : null;
  const format: DatasetFormat = batch.dataset.format;
  const mapping = batch.mapping as TMapping;
  const log = deps.engine.invocations ?? defaultInvocationLog(db);
  const actor = batch.userId ? ({ id: batch.userId } as TActor) : null;

  const writer = new RowWriter(db, job.batchId, job.attempt);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  try {
    for (let i = 0; i < records.length; i++) {
      const rowIndex = chunk.firstRow + i;
      const key = `${job.batchId}:${job.attempt}:${rowIndex}`;
      if (have.has(rowIndex) || deps.running.has(key)) continue;
      const release = await deps.rows.acquire();
      if (failure || writer.stopped) {
        release();
        break;
      }
      deps.running.add(key);
      const record = records[i]!;
      const p = (async () => {
        try {
          const file = format === "zip" && files ? entryBytes(files, record as { offset: number; length: number }) : undefined;
          const rowInputs = mapRecord(mapping, format, batch.dataset.columns, inputs, record, file);
          const id = rowInvocationId(job.batchId, batch.createdAt, job.attempt, rowIndex);
          const rowLog: TInvocationLog = { begin: (row) => log.begin({ ...row, id }), finish: (rid, c) => log.finish(rid, c) };
          let result: TRunResult;
          try {
            result = await runPipeline({ db }, { ...deps.engine, invocations: rowLog }, { slug: pipeline.slug, target, inputs: rowInputs, source: "batch", actor, apiKeyId: batch.apiKeyId, responseCache: true }, deps.resolver);
          } catch (e) {
            // Nothing ran (or its row could not be logged): the database or the log is down — retry the chunk later.
            if (!(e instanceof AppError) || e.code === "NOT_READY" || e.code === "INTERNAL") throw e;
            writer.add(errorRow(job, rowIndex, null, e.code, e.message));
            return;
          }
          writer.add(resultRow(job, rowIndex, result));
        } catch (e) {
          failure ??= e;
        } finally {
          deps.running.delete(key);
          release();
        }
      })();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await Promise.all(inFlight);
  } finally {
    await Promise.all(inFlight);
    await writer.close();
  }
  if (failure) throw failure;
}

function entryBytes(files: Buffer, e: { offset: number; length: number }): Uint8Array {
  return new Uint8Array(files.buffer, files.byteOffset + e.offset, e.length);
}

function resultRow(job: TChunkJob, rowIndex: number, r: TRunResult): TRowResult {
  if (r.status === "ok") return { rowIndex, chunkIndex: job.chunkIndex, attempt: job.attempt, status: "ok", invocationId: r.invocationId, outputs: r.outputs, errorCode: null, errorMessage: null, errorNode: null, errorField: null, durationMs: r.durationMs };
  const field = r.error.code === "INVALID_INPUT" ? (r.error.port ?? null) : null;
  return { ...errorRow(job, rowIndex, r.invocationId, r.error.code, r.error.message), errorNode: r.error.nodeId ?? r.error.issues?.[0]?.nodeId ?? null, errorField: field, durationMs: r.durationMs };
}

export function errorRow(job: TChunkJob, rowIndex: number, invocationId: string | null, code: string, message: string): TRowResult {
  return { rowIndex, chunkIndex: job.chunkIndex, attempt: job.attempt, status: "error", invocationId, outputs: null, errorCode: code, errorMessage: message, errorNode: null, errorField: null, durationMs: null };
}

/** Row results written in groups (at most every 200 ms, or 64 rows), one statement in flight. */
class RowWriter {
  #queue: TRowResult[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #error: unknown = null;
  /** The batch is no longer running (cancelled, or another attempt): start no more rows. */
  stopped = false;

  constructor(
    private readonly db: TPrisma,
    private readonly batchId: string,
    private readonly attempt: number,
  ) {}

  add(row: TRowResult) {
    this.#queue.push(row);
    if (this.#queue.length >= 64) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), 200);
  }

  #flush() {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const rows = this.#queue.splice(0);
    if (!rows.length) return;
    this.#writing = this.#writing.then(async () => {
      try {
        if (!(await writeRows(this.db, this.batchId, this.attempt, rows))) this.stopped = true;
      } catch (e) {
        this.#error ??= e;
        this.stopped = true;
      }
    });
  }

  async close(): Promise<void> {
    this.#flush();
    await this.#writing;
    if (this.#error) throw this.#error;
  }
}
