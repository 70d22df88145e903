import type { Readable } from "node:stream";
import type { TPrisma } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { assertRole, type TActor } from "../context.ts";
import type { TRunTarget } from "../runs/runnable-resolver.ts";
import { ingestDataset, type TIngestLimits } from "./ingest-dataset.ts";
import { defaultMapping, type TRecord } from "./mapping.ts";
import { targetInputs } from "./start-batch.ts";

/** Uploads a dataset for a pipeline (the app's upload, before columns are mapped and a version picked). Editors. */
export async function uploadDataset(db: TPrisma, actor: TActor, limits: TIngestLimits, req: { slug: string; format: "csv" | "jsonl" | "zip"; name: string; body: Readable }) {
  assertRole(actor, "editor");
  const pipeline = await db.pipeline.findUnique({ where: { slug: req.slug }, select: { id: true, archived: true } });
  if (!pipeline || pipeline.archived) throw new AppError("NOT_FOUND", `No pipeline with slug '${req.slug}'.`, { slug: req.slug });
  return ingestDataset(db, { pipelineId: pipeline.id, format: req.format, name: req.name, body: req.body, userId: actor.id }, limits);
}

/**
 * A dataset as the mapping step shows it: columns, its first rows (zip: file names and sizes), and — for a
 * target version — that version's inputs and the default mapping (null when no default fits).
 */
export async function getDataset(db: TPrisma, actor: TActor, slug: string, id: string, target?: TRunTarget) {
  assertRole(actor, "viewer");
  const pipeline = await db.pipeline.findUnique({ where: { slug }, select: { id: true } });
  const d = pipeline ? await db.dataset.findUnique({ where: { id }, select: { id: true, pipelineId: true, format: true, name: true, columns: true, rowCount: true, sizeBytes: true, readyAt: true, createdAt: true } }) : null;
  if (!pipeline || !d || d.pipelineId !== pipeline.id || !d.readyAt) throw new AppError("NOT_FOUND", `Pipeline '${slug}' has no dataset ${id}.`, { dataset: id });
  const first = await db.datasetChunk.findUnique({ where: { datasetId_index: { datasetId: id, index: 0 } }, select: { records: true } });
  // CSV records are stored as arrays of cells; the preview keys them by column, as JSONL records are.
  const preview = ((first?.records ?? []) as unknown as TRecord[]).slice(0, 10).map((r) =>
    d.format === "zip" ? { name: (r as { name: string }).name, bytes: (r as { length: number }).length } : Array.isArray(r) ? Object.fromEntries(d.columns.map((c, i) => [c, r[i] ?? null])) : r,
  );
  let inputs = null;
  let suggested = null;
  if (target) {
    const t = await targetInputs(db, slug, target);
    inputs = t.inputs;
    try {
      suggested = defaultMapping(d.format, d.columns, t.inputs);
    } catch {
      suggested = null;
    }
  }
  return { id: d.id, format: d.format, name: d.name, columns: d.columns, rowCount: d.rowCount, sizeBytes: d.sizeBytes, createdAt: d.createdAt.toISOString(), preview, inputs, suggestedMapping: suggested };
}
