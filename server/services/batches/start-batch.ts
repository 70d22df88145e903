import type { TPrisma } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { assertRole, type TActor } from "../context.ts";
import { RunnableResolver, type TRunTarget } from "../runs/runnable-resolver.ts";
import { BATCH_SELECT, batchView, findBatch, type TBatchView } from "./get-batch.ts";
import type { BatchQueue } from "./job-queue.ts";
import { checkMapping, defaultMapping, parseMapping, type TMappingInput, type TPipelineInput } from "./mapping.ts";

export interface TBatchDeps {
  db: TPrisma;
  queue: BatchQueue;
}

export interface TStartBatchRequest {
  slug: string;
  /** A version, or an alias resolved to its version now (moving the alias later does not change the batch). */
  target: { version: number } | { alias: string };
  datasetId: string;
  /** Omitted: the default mapping (mapping.ts); checked with parseMapping (JSON text or value). */
  mapping?: TMappingInput | string | null;
  actor?: TActor | null;
  apiKeyId?: string | null;
}

/** The pipeline version's inputs, or INVALID_PIPELINE when it does not compile (a batch of it could only fail). */
export async function targetInputs(db: TPrisma, slug: string, target: TRunTarget, resolver = new RunnableResolver(db)) {
  const r = await resolver.resolve(slug, target);
  if (!r.compiled.plan) {
    const first = r.compiled.issues.find((i) => i.severity === "error");
    throw new AppError("INVALID_PIPELINE", `Version ${r.version} of '${slug}' does not compile: ${first?.message ?? "unknown error"}`, { version: r.version });
  }
  const inputs: TPipelineInput[] = r.compiled.plan.inputs.map((i) => ({ name: i.name, kind: i.kind, required: i.required }));
  return { pipelineId: r.pipelineId, version: r.version!, inputs, outputs: r.compiled.plan.outputs.map((o) => o.name) };
}

/**
 * Starts a batch: the target resolved to a version number, the mapping checked against that version's inputs
 * and the dataset's columns, the Batch row written, then one job per dataset chunk queued (ids derived from the
 * batch, so queueing again is harmless; a batch left `queued` without jobs — the process died in between — is
 * queued again by the runner's sweep).
 */
export async function startBatch({ db, queue }: TBatchDeps, req: TStartBatchRequest): Promise<TBatchView> {
  if (req.actor) assertRole(req.actor, "editor");
  const t = await targetInputs(db, req.slug, req.target);
  const dataset = await db.dataset.findUnique({ where: { id: req.datasetId }, select: { id: true, pipelineId: true, format: true, columns: true, rowCount: true, readyAt: true } });
  if (!dataset || dataset.pipelineId !== t.pipelineId || !dataset.readyAt) throw new AppError("NOT_FOUND", `Pipeline '${req.slug}' has no dataset ${req.datasetId}.`, { dataset: req.datasetId });
  const mapping = req.mapping != null ? parseMapping(req.mapping) : defaultMapping(dataset.format, dataset.columns, t.inputs);
  checkMapping(mapping, dataset.format, dataset.columns, t.inputs);
  const chunks = await db.datasetChunk.findMany({ where: { datasetId: dataset.id }, select: { index: true }, orderBy: { index: "asc" } });
  const batch = await db.batch.create({
    data: {
      pipelineId: t.pipelineId,
      datasetId: dataset.id,
      versionNumber: t.version,
      alias: "alias" in req.target ? req.target.alias : null,
      mapping: mapping as never,
      total: dataset.rowCount,
      userId: req.actor?.id ?? null,
      apiKeyId: req.apiKeyId ?? null,
    },
    select: BATCH_SELECT,
  });
  await queue.enqueue(batch.id, 1, chunks.map((c) => c.index));
  return batchView(req.slug, batch);
}

/**
 * Cancels a queued or running batch: no new row starts (rows already running finish and are kept); its queued
 * jobs are cancelled. A finished batch is refused with BATCH_CONFLICT.
 */
export async function cancelBatch({ db, queue }: TBatchDeps, actor: TActor | null, slug: string, id: string): Promise<TBatchView> {
  if (actor) assertRole(actor, "editor");
  const b = await findBatch(db, slug, id);
  const n = await db.batch.updateMany({ where: { id, status: { in: ["queued", "running"] } }, data: { status: "cancelled", finishedAt: new Date() } });
  if (n.count === 0) throw new AppError("BATCH_CONFLICT", `Batch ${id} has already ${b.status === "cancelled" ? "been cancelled" : "finished"}.`, { status: b.status });
  const chunks = await db.datasetChunk.findMany({ where: { datasetId: b.dataset.id }, select: { index: true } });
  await queue.cancel(id, b.attempt, chunks.map((c) => c.index)).catch((e: unknown) => console.error("[inferline] cancelling batch jobs:", e));
  return batchView(slug, await findBatch(db, slug, id));
}

/**
 * Runs again the rows of a finished batch that failed (and, for a cancelled one, the rows never run) as a new
 * attempt: in one transaction the failed rows' results are removed and `failed` reset (so nothing is counted
 * twice), the attempt bumped (each retried row gets a new invocation; the old ones stay in the log), then the
 * chunks holding those rows are queued. A batch still queued/running, or with nothing to retry: BATCH_CONFLICT.
 */
export async function retryBatch({ db, queue }: TBatchDeps, actor: TActor | null, slug: string, id: string): Promise<TBatchView> {
  if (actor) assertRole(actor, "editor");
  await findBatch(db, slug, id);
  const { attempt, chunks } = await db.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ status: string; attempt: number; datasetId: string }[]>`SELECT status::text, attempt, "datasetId" FROM "Batch" WHERE id = ${id}::uuid FOR UPDATE`;
    if (!row || row.status === "queued" || row.status === "running") throw new AppError("BATCH_CONFLICT", `Batch ${id} is still ${row?.status ?? "running"}; retry it once it has finished (or cancel it first).`, { status: row?.status });
    await tx.batchRow.deleteMany({ where: { batchId: id, status: "error" } });
    const todo = await tx.$queryRaw<{ index: number }[]>`
      SELECT c.index FROM "DatasetChunk" c
      LEFT JOIN (SELECT "chunkIndex", count(*)::int AS n FROM "BatchRow" WHERE "batchId" = ${id}::uuid GROUP BY 1) r ON r."chunkIndex" = c.index
      WHERE c."datasetId" = ${row.datasetId}::uuid AND coalesce(r.n, 0) < c."rowCount" ORDER BY c.index`;
    if (todo.length === 0) throw new AppError("BATCH_CONFLICT", `Batch ${id} has no failed or unprocessed rows to retry.`, { status: row.status });
    const next = row.attempt + 1;
    await tx.$executeRaw`
      UPDATE "Batch" SET attempt = ${next}, failed = 0, status = 'queued', "startedAt" = NULL, "finishedAt" = NULL,
        "errorCode" = NULL, "errorMessage" = NULL, "progressBase" = done WHERE id = ${id}::uuid`;
    return { attempt: next, chunks: todo.map((t) => t.index) };
  });
  await queue.enqueue(id, attempt, chunks);
  return batchView(slug, await findBatch(db, slug, id));
}
