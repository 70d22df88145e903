import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import busboy from "busboy";
import type { DatasetFormat } from "../../db/generated/enums.ts";
import { AppError } from "../../errors.ts";
import type { TKeyPrincipal } from "../../services/api-keys/authenticate-api-key.ts";
import { batchResults, type TResultsFormat } from "../../services/batches/batch-results.ts";
import { getBatch, listBatches } from "../../services/batches/get-batch.ts";
import { ingestDataset, type TIngestLimits } from "../../services/batches/ingest-dataset.ts";
import type { BatchQueue } from "../../services/batches/job-queue.ts";
import { cancelBatch, retryBatch, startBatch } from "../../services/batches/start-batch.ts";
import { sendJson } from "../problem.ts";
import { withDecodedBody } from "./read-body.ts";
import type { ServingContext } from "./serving-context.ts";

/** What the batch endpoints need besides the serving context: the job queue and the dataset limits. */
export interface TBatchServing {
  queue: BatchQueue;
  limits: TIngestLimits;
}

const SLUG = "[a-z0-9]+(?:-[a-z0-9]+)*";
const ALIAS = "[a-z][a-z0-9-]{0,31}";
const ROUTE = new RegExp(`^/api/v1/pipelines/(${SLUG})(?:@(${ALIAS})|/versions/([1-9][0-9]{0,8}))?/batches(?:/([^/]+)(?:/(results|cancel|retry))?)?$`);

export function isBatchRoute(path: string): boolean {
  return ROUTE.test(path);
}

/**
 * Batch jobs over REST (API key, scoped to the pipeline like invoke):
 *   POST …/{slug}[@alias|/versions/n]/batches   a dataset (multipart `file` + `mapping`, or a raw CSV / JSONL / zip
 *                                               body with `?mapping=`), started at once → 202 + the batch
 *   GET  …/{slug}/batches                       the pipeline's batches, newest first
 *   GET  …/{slug}/batches/{id}                  status, counts, ETA
 *   GET  …/{slug}/batches/{id}/results?format=jsonl|csv   one line per input row (streamed)
 *   POST …/{slug}/batches/{id}/cancel | retry
 * Errors are problem+json (DATASET_INVALID, MAPPING_INVALID, BATCH_CONFLICT, PAYLOAD_TOO_LARGE, …).
 */
export async function handleBatches(ctx: ServingContext, batches: TBatchServing, req: IncomingMessage, res: ServerResponse, url: URL, sendError: (res: ServerResponse, e: unknown) => void): Promise<void> {
  try {
    const m = ROUTE.exec(url.pathname)!;
    const [, slug, alias, version, id, action] = m as unknown as [string, string, string | undefined, string | undefined, string | undefined, string | undefined];
    const key = await ctx.authenticate(req, url, slug);
    const deps = { db: ctx.db.prisma, queue: batches.queue };
    if (!id) {
      if (req.method === "GET") return sendJson(res, 200, await listBatches(ctx.db.prisma, null, slug, { limit: 50, before: url.searchParams.get("before") ?? undefined }));
      if (req.method !== "POST") throw methodNotAllowed(res, "GET, POST");
      await ctx.consumeRate(key);
      const target = version ? { version: Number(version) } : { alias: alias ?? "production" };
      const batch = await createFromRequest(ctx, batches, key, slug, target, req, url);
      res.setHeader("Location", `/api/v1/pipelines/${slug}/batches/${batch.id}`);
      return sendJson(res, 202, batch);
    }
    if (!action) {
      if (req.method !== "GET" && req.method !== "HEAD") throw methodNotAllowed(res, "GET");
      return sendJson(res, 200, await getBatch(ctx.db.prisma, null, slug, id));
    }
    if (action === "results") {
      if (req.method !== "GET") throw methodNotAllowed(res, "GET");
      const format = (url.searchParams.get("format") ?? "jsonl") as TResultsFormat;
      if (format !== "jsonl" && format !== "csv") throw new AppError("INVALID_INPUT", "format must be jsonl or csv.", { field: "format" });
      return await streamResults(res, batchResults(ctx.db.prisma, null, slug, id, format), format, id);
    }
    if (req.method !== "POST") throw methodNotAllowed(res, "POST");
    await ctx.consumeRate(key);
    return sendJson(res, 200, action === "cancel" ? await cancelBatch(deps, null, slug, id) : await retryBatch(deps, null, slug, id));
  } catch (e) {
    if (!req.complete) {
      res.setHeader("Connection", "close");
      req.resume();
    }
    return sendError(res, e);
  }
}

async function createFromRequest(ctx: ServingContext, batches: TBatchServing, key: TKeyPrincipal, slug: string, target: { version: number } | { alias: string }, req: IncomingMessage, url: URL) {
  const pipeline = await ctx.db.prisma.pipeline.findUnique({ where: { slug }, select: { id: true, archived: true } });
  if (!pipeline || pipeline.archived) throw new AppError("NOT_FOUND", `No pipeline with slug '${slug}'.`, { slug });
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > batches.limits.maxBytes) throw tooLarge(batches.limits.maxBytes);
  const type = (req.headers["content-type"] ?? "").split(";", 1)[0]!.trim().toLowerCase();
  let dataset: { id: string };
  let mapping: string | null = url.searchParams.get("mapping");
  const ingest = (format: DatasetFormat, name: string, body: Readable) => ingestDataset(ctx.db.prisma, { pipelineId: pipeline.id, format, name, body, apiKeyId: key.id }, batches.limits);
  if (type === "multipart/form-data") {
    const parsed = await readMultipart(req, batches.limits.maxBytes, ingest);
    dataset = parsed.dataset;
    mapping = parsed.fields.mapping ?? mapping;
  } else {
    const format = formatOf(type, url.searchParams.get("format"), null);
    if (!format) throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Content-Type '${type || "(none)"}' is not a dataset: send text/csv, application/x-ndjson (JSONL), application/zip, or multipart/form-data with a 'file' part.`, { contentType: type });
    dataset = await withDecodedBody(req, (encoding) => new AppError("DATASET_INVALID", `The body is not valid ${encoding} data.`), (body) => ingest(format, url.searchParams.get("name") ?? `dataset.${format}`, body));
  }
  try {
    return await startBatch({ db: ctx.db.prisma, queue: batches.queue }, { slug, target, datasetId: dataset.id, mapping, apiKeyId: key.id });
  } catch (e) {
    // Uploaded for this batch only: a refused start (mapping, version) keeps nothing.
    await ctx.db.prisma.dataset.delete({ where: { id: dataset.id } }).catch(() => {});
    throw e;
  }
}

/** A multipart upload: one file part (the dataset, streamed into the database) and text fields (`mapping`, `format`). */
function readMultipart(req: IncomingMessage, maxBytes: number, ingest: (format: DatasetFormat, name: string, body: Readable) => Promise<{ id: string }>): Promise<{ dataset: { id: string }; fields: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let upload: Promise<{ id: string }> | null = null;
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe();
      req.resume();
      reject(e);
    };
    let bb: busboy.Busboy;
    try {
      // fileSize just past the limit: the ingest's own counter refuses first, with the limit in its message.
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: 16, fieldSize: 1024 * 1024, fileSize: maxBytes + 1 } });
    } catch (e) {
      return reject(new AppError("INVALID_INPUT", `Bad multipart request: ${(e as Error).message}`));
    }
    bb.on("field", (name, value) => (fields[name] = value));
    bb.on("file", (_name, stream, info) => {
      const format = formatOf(info.mimeType, fields.format ?? null, info.filename ?? null);
      if (!format) {
        stream.resume();
        return fail(new AppError("DATASET_INVALID", `Cannot tell the dataset's format from '${info.filename ?? ""}' (${info.mimeType}): name it .csv, .jsonl or .zip, or send a 'format' field before the file.`));
      }
      upload = ingest(format, info.filename ?? `dataset.${format}`, stream);
      upload.catch((e: unknown) => {
        stream.resume();
        fail(e);
      });
    });
    bb.on("error", (e: Error) => fail(new AppError("INVALID_INPUT", `Bad multipart request: ${e.message}`)));
    bb.on("close", () => {
      if (failed) return;
      if (!upload) return fail(new AppError("DATASET_INVALID", "The multipart request has no file part (send the dataset as 'file')."));
      upload.then((dataset) => resolve({ dataset, fields }), fail);
    });
    req.pipe(bb);
  });
}

/** The dataset format from a Content-Type, an explicit `format`, or the file name's extension. */
function formatOf(mimeType: string, explicit: string | null, filename: string | null): DatasetFormat | null {
  if (explicit) {
    if (explicit === "csv" || explicit === "jsonl" || explicit === "zip") return explicit;
    throw new AppError("DATASET_INVALID", `Unknown dataset format '${explicit}' (csv, jsonl or zip).`, { field: "format" });
  }
  const ext = filename?.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (ext === "csv") return "csv";
  if (ext === "jsonl" || ext === "ndjson") return "jsonl";
  if (ext === "zip") return "zip";
  const t = mimeType.toLowerCase();
  if (t === "text/csv") return "csv";
  if (t === "application/x-ndjson" || t === "application/jsonl" || t === "application/x-jsonlines" || t === "application/jsonlines") return "jsonl";
  if (t === "application/zip" || t === "application/x-zip-compressed") return "zip";
  return null;
}

/** Writes the results as they are read, waiting for the client to drain (constant memory for any batch size). */
export async function streamResults(res: ServerResponse, lines: AsyncGenerator<string>, format: TResultsFormat, id: string): Promise<void> {
  const first = await lines.next(); // errors (unknown batch) still become problem+json
  res.writeHead(200, {
    "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
    "content-disposition": `attachment; filename="batch-${id}.${format}"`,
    "cache-control": "no-store",
  });
  try {
    for (let r = first; !r.done; r = await lines.next()) {
      if (!res.write(r.value)) await Promise.race([once(res, "drain"), once(res, "close")]);
      if (res.destroyed) return void (await lines.return(undefined)); // the client went away
    }
    res.end();
  } catch (e) {
    console.error("[inferline] batch results:", e);
    res.destroy();
  }
}

function methodNotAllowed(res: ServerResponse, allow: string) {
  res.setHeader("Allow", allow);
  return new AppError("METHOD_NOT_ALLOWED", `Use ${allow} for this route.`);
}

function tooLarge(max: number) {
  return new AppError("PAYLOAD_TOO_LARGE", `The dataset is larger than the limit of ${max} bytes (BATCH_MAX_BYTES).`, { limitBytes: max });
}
