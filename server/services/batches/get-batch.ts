import type { TPrisma } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { assertRole, type TActor } from "../context.ts";

export const BATCH_SELECT = {
  id: true,
  pipelineId: true,
  versionNumber: true,
  alias: true,
  mapping: true,
  status: true,
  total: true,
  done: true,
  failed: true,
  attempt: true,
  progressBase: true,
  errorCode: true,
  errorMessage: true,
  userId: true,
  apiKeyId: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  dataset: { select: { id: true, name: true, format: true } },
} as const;

type TBatchRow = {
  id: string;
  versionNumber: number;
  alias: string | null;
  mapping: unknown;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  total: number;
  done: number;
  failed: number;
  attempt: number;
  progressBase: number;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  dataset: { id: string; name: string; format: "csv" | "jsonl" | "zip" };
};

/** What clients see of a batch (REST and tRPC alike): progress, and an ETA from this attempt's pace so far. */
export function batchView(slug: string, b: TBatchRow, now = Date.now()) {
  const processed = b.done + b.failed;
  const remaining = Math.max(0, b.total - processed);
  let etaSeconds: number | null = null;
  if (b.status === "running" && b.startedAt && remaining > 0) {
    const ran = processed - b.progressBase;
    const elapsed = (now - b.startedAt.getTime()) / 1000;
    if (ran > 0 && elapsed > 0) etaSeconds = Math.ceil((remaining * elapsed) / ran);
  }
  return {
    id: b.id,
    pipeline: slug,
    version: b.versionNumber,
    alias: b.alias,
    status: b.status,
    total: b.total,
    done: b.done,
    failed: b.failed,
    pending: remaining,
    progress: b.total ? processed / b.total : 1,
    etaSeconds,
    attempt: b.attempt,
    error: b.errorCode ? { code: b.errorCode, message: b.errorMessage } : null,
    dataset: b.dataset,
    mapping: b.mapping,
    createdAt: b.createdAt.toISOString(),
    startedAt: b.startedAt?.toISOString() ?? null,
    finishedAt: b.finishedAt?.toISOString() ?? null,
  };
}
export type TBatchView = ReturnType<typeof batchView>;

/** A batch of the pipeline `slug` (NOT_FOUND otherwise, also for another pipeline's batch). */
export async function findBatch(db: TPrisma, slug: string, id: string) {
  const pipeline = await db.pipeline.findUnique({ where: { slug }, select: { id: true } });
  const batch = pipeline && isUuid(id) ? await db.batch.findUnique({ where: { id }, select: BATCH_SELECT }) : null;
  if (!pipeline || !batch || batch.pipelineId !== pipeline.id) throw new AppError("NOT_FOUND", `Pipeline '${slug}' has no batch ${id}.`, { slug, batch: id });
  return batch;
}

export async function getBatch(db: TPrisma, actor: TActor | null, slug: string, id: string): Promise<TBatchView> {
  if (actor) assertRole(actor, "viewer");
  return batchView(slug, await findBatch(db, slug, id));
}

/** A pipeline's batches, newest first (keyset on createdAt, id). */
export async function listBatches(db: TPrisma, actor: TActor | null, slug: string, opts: { limit?: number; before?: string | undefined } = {}) {
  if (actor) assertRole(actor, "viewer");
  const pipeline = await db.pipeline.findUnique({ where: { slug }, select: { id: true } });
  if (!pipeline) throw new AppError("NOT_FOUND", `No pipeline with slug '${slug}'.`, { slug });
  const limit = opts.limit ?? 50;
  const cursor = opts.before && isUuid(opts.before) ? await db.batch.findUnique({ where: { id: opts.before }, select: { createdAt: true, id: true } }) : null;
  const rows = await db.batch.findMany({
    where: { pipelineId: pipeline.id, ...(cursor ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: BATCH_SELECT,
  });
  const now = Date.now();
  return { batches: rows.slice(0, limit).map((b) => batchView(slug, b, now)), next: rows.length > limit ? rows[limit - 1]!.id : null };
}

/** A page of row results in row order, with each row's invocation id (drill-down into the log). */
export async function listBatchRows(db: TPrisma, actor: TActor | null, slug: string, id: string, opts: { after?: number | undefined; limit?: number; status?: "ok" | "error" | undefined }) {
  if (actor) assertRole(actor, "viewer");
  await findBatch(db, slug, id);
  const limit = opts.limit ?? 100;
  const rows = await db.batchRow.findMany({
    where: { batchId: id, ...(opts.after !== undefined ? { rowIndex: { gt: opts.after } } : {}), ...(opts.status ? { status: opts.status } : {}) },
    orderBy: { rowIndex: "asc" },
    take: limit + 1,
    select: { rowIndex: true, status: true, invocationId: true, outputs: true, errorCode: true, errorMessage: true, errorNode: true, errorField: true, durationMs: true, attempt: true, finishedAt: true },
  });
  return {
    rows: rows.slice(0, limit).map((r) => ({ ...r, finishedAt: r.finishedAt.toISOString() })),
    next: rows.length > limit ? rows[limit - 1]!.rowIndex : null,
  };
}

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
