import type { IncomingMessage, ServerResponse } from "node:http";
import { createContextFromNode, type TContextDeps } from "../api/context.ts";
import { AppError } from "../errors.ts";
import { batchResults } from "../services/batches/batch-results.ts";
import { uploadDataset } from "../services/batches/get-dataset.ts";
import type { TIngestLimits } from "../services/batches/ingest-dataset.ts";
import { sendJson, sendProblem } from "./problem.ts";
import { withDecodedBody } from "./serving/read-body.ts";
import { streamResults } from "./serving/batches.ts";

export const DATASET_UPLOAD_PATH = "/api/datasets";
/** `GET /api/batch-results?slug=<pipeline>&id=<batch>&format=jsonl|csv`: the app's results download (session, viewers). */
export const BATCH_RESULTS_PATH = "/api/batch-results";

/**
 * `POST /api/datasets?slug=<pipeline>&format=csv|jsonl|zip&name=<file name>` with the file as the raw
 * `application/octet-stream` body: the app's dataset upload (then `batches.create` over tRPC with the mapping and
 * the version). On the lean path like model uploads: the body streams into the database chunk by chunk, never
 * whole in memory. Session cookie (editor role); app-server refuses cross-origin requests first.
 */
export async function handleDatasetUpload(deps: { context: TContextDeps; limits: TIngestLimits }, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method !== "POST") {
      res.setHeader("Allow", "POST");
      throw new AppError("METHOD_NOT_ALLOWED", "Upload a dataset with POST /api/datasets?slug=<pipeline>&format=csv|jsonl|zip.");
    }
    const ctx = await createContextFromNode(deps.context, req, res);
    const user = ctx.user;
    if (!user) throw new AppError("UNAUTHENTICATED", "Sign in to upload datasets.");
    const type = (req.headers["content-type"] ?? "").split(";", 1)[0]!.trim().toLowerCase();
    if (type !== "application/octet-stream") throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the file as the raw request body with Content-Type: application/octet-stream.", { contentType: type || null });
    const url = new URL(req.url ?? "/", "http://localhost");
    const format = url.searchParams.get("format");
    if (format !== "csv" && format !== "jsonl" && format !== "zip") throw new AppError("DATASET_INVALID", "format must be csv, jsonl or zip.", { field: "format" });
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > deps.limits.maxBytes) throw new AppError("PAYLOAD_TOO_LARGE", `The dataset is larger than the limit of ${deps.limits.maxBytes} bytes.`, { limitBytes: deps.limits.maxBytes });
    // Sent compressed: the limit counts the decompressed bytes (a gzip bomb is refused while it inflates).
    const dataset = await withDecodedBody(req, (encoding) => new AppError("DATASET_INVALID", `The body is not valid ${encoding} data.`), (body) =>
      uploadDataset(ctx.db, user, deps.limits, { slug: url.searchParams.get("slug") ?? "", format, name: url.searchParams.get("name") ?? `dataset.${format}`, body }),
    );
    return sendJson(res, 201, dataset);
  } catch (e) {
    if (!req.complete) {
      res.setHeader("Connection", "close");
      req.resume();
    }
    if (e instanceof AppError) return sendProblem(res, e.code, e.message, e.details ? { details: e.details } : {});
    if (req.destroyed || res.destroyed) return;
    console.error("[inferline] dataset upload failed:", e);
    return sendProblem(res, "INTERNAL", "The upload failed.");
  }
}

/**
 * The app's download of a batch's results (the browser follows a link: the session cookie authenticates it, so
 * no API key is needed). Streams like the REST route, one line per input row, in constant memory.
 */
export async function handleBatchResultsDownload(deps: { context: TContextDeps }, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET");
      throw new AppError("METHOD_NOT_ALLOWED", "Download results with GET /api/batch-results?slug=<pipeline>&id=<batch>&format=jsonl|csv.");
    }
    const ctx = await createContextFromNode(deps.context, req, res);
    if (!ctx.user) throw new AppError("UNAUTHENTICATED", "Sign in to download batch results.");
    const url = new URL(req.url ?? "/", "http://localhost");
    const format = url.searchParams.get("format") ?? "jsonl";
    if (format !== "jsonl" && format !== "csv") throw new AppError("INVALID_INPUT", "format must be jsonl or csv.", { field: "format" });
    const id = url.searchParams.get("id") ?? "";
    return await streamResults(res, batchResults(ctx.db, ctx.user, url.searchParams.get("slug") ?? "", id, format), format, id);
  } catch (e) {
    if (e instanceof AppError) return sendProblem(res, e.code, e.message, e.details ? { details: e.details } : {});
    if (res.headersSent) return void res.destroy();
    console.error("[inferline] batch results download failed:", e);
    return sendProblem(res, "INTERNAL", "The download failed.");
  }
}
