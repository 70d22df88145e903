import type { TPrisma } from "../../db/client.ts";
import { assertRole, type TActor } from "../context.ts";
import { RunnableResolver } from "../runs/runnable-resolver.ts";
import { findBatch } from "./get-batch.ts";

export type TResultsFormat = "jsonl" | "csv";

/**
 * A batch's results, one line per input row in row order, whether or not the row has run: `status` is ok or
 * error (with the row's outputs or its coded error, and its invocation id), or `pending` (not run yet) /
 * `cancelled` (never run). Read a dataset chunk's worth of rows at a time, so 100k rows stream in constant memory.
 * CSV columns: row, status, [file], one per pipeline output (JSON text for non-scalars), error_code,
 * error_message, error_node, error_field, invocation_id.
 */
export async function* batchResults(db: TPrisma, actor: TActor | null, slug: string, id: string, format: TResultsFormat): AsyncGenerator<string> {
  if (actor) assertRole(actor, "viewer");
  const batch = await findBatch(db, slug, id);
  const zip = batch.dataset.format === "zip";
  let outputs: string[] = [];
  if (format === "csv") {
    const r = await new RunnableResolver(db, { ttlMs: 0, allowArchived: true }).resolve(slug, { version: batch.versionNumber });
    outputs = r.compiled.plan?.outputs.map((o) => o.name) ?? [];
    yield csvLine(["row", "status", ...(zip ? ["file"] : []), ...outputs, "error_code", "error_message", "error_node", "error_field", "invocation_id"]);
  }
  const missing = batch.status === "cancelled" ? "cancelled" : "pending";
  for (let index = 0; ; index++) {
    const chunk = await db.datasetChunk.findUnique({ where: { datasetId_index: { datasetId: batch.dataset.id, index } }, select: { firstRow: true, rowCount: true, ...(zip ? { records: true } : {}) } });
    if (!chunk) return;
    const rows = await db.batchRow.findMany({
      where: { batchId: id, rowIndex: { gte: chunk.firstRow, lt: chunk.firstRow + chunk.rowCount } },
      orderBy: { rowIndex: "asc" },
      select: { rowIndex: true, status: true, invocationId: true, outputs: true, errorCode: true, errorMessage: true, errorNode: true, errorField: true },
    });
    const byIndex = new Map(rows.map((r) => [r.rowIndex, r]));
    const names = zip ? (chunk as { records?: unknown }).records as { name: string }[] : null;
    let text = "";
    for (let i = 0; i < chunk.rowCount; i++) {
      const rowIndex = chunk.firstRow + i;
      const r = byIndex.get(rowIndex);
      const file = names?.[i]?.name;
      if (format === "jsonl") {
        const line = r
          ? { row: rowIndex, ...(zip ? { file } : {}), status: r.status, ...(r.status === "ok" ? { outputs: r.outputs } : { error: { code: r.errorCode, message: r.errorMessage, node: r.errorNode, field: r.errorField } }), invocation_id: r.invocationId }
          : { row: rowIndex, ...(zip ? { file } : {}), status: missing };
        text += `${JSON.stringify(line)}\n`;
      } else {
        const outs = (r?.outputs ?? {}) as Record<string, unknown>;
        text += csvLine([rowIndex, r?.status ?? missing, ...(zip ? [file] : []), ...outputs.map((o) => (r?.status === "ok" ? outs[o] : undefined)), r?.errorCode, r?.errorMessage, r?.errorNode, r?.errorField, r?.invocationId]);
      }
    }
    yield text;
  }
}

/** One CSV record (RFC 4180): fields with a comma, quote or line break quoted, quotes doubled; non-scalars as JSON. */
function csvLine(values: unknown[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

function csvField(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
