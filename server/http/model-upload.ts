import type { IncomingMessage, ServerResponse } from "node:http";
import { createContextFromNode, type TContextDeps } from "../api/context.ts";
import { AppError } from "../errors.ts";
import { tooLarge, type TModelFilesConfig } from "../services/models/model-files.ts";
export { modelFilesFromEnv } from "../services/models/model-files.ts";
import { uploadModel } from "../services/models/upload-model.ts";
import { sendJson, sendProblem } from "./problem.ts";
import { withDecodedBody } from "./serving/read-body.ts";

export const MODEL_UPLOAD_PATH = "/api/models";

export interface TModelUploadDeps {
  context: TContextDeps;
  files: TModelFilesConfig;
}

/**
 * `POST /api/models?name=<name>[&description=…]` with the raw .onnx bytes as an
 * `application/octet-stream` body: uploads the next version of a model. On the lean path rather than
 * tRPC because files reach 1 GiB: the body streams to disk, never into memory. Authenticated by the
 * app's session cookie (editor role); the caller (app-server) refuses cross-origin requests first.
 *
 * 201 + the new version; 200 + the existing version when these exact bytes already are one; errors are
 * RFC 9457 problem+json (MODEL_INVALID, MODEL_EXTERNAL_DATA, MODEL_UNSUPPORTED_TYPE, MODEL_TOO_LARGE, …).
 */
export async function handleModelUpload(deps: TModelUploadDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method !== "POST") {
      res.setHeader("Allow", "POST");
      throw new AppError("METHOD_NOT_ALLOWED", "Upload a model with POST /api/models?name=<name>.");
    }
    const ctx = await createContextFromNode(deps.context, req, res);
    const user = ctx.user;
    if (!user) throw new AppError("UNAUTHENTICATED", "Sign in to upload models.");
    const type = (req.headers["content-type"] ?? "").split(";", 1)[0]!.trim().toLowerCase();
    if (type !== "application/octet-stream") {
      // Also keeps HTML forms (urlencoded, multipart, text/plain) from posting here.
      return finish(req, res, () =>
        sendProblem(res, "INVALID_INPUT", "Send the .onnx file as the raw request body with Content-Type: application/octet-stream.", { contentType: type || null }, 415),
      );
    }
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > deps.files.maxBytes) throw tooLarge(deps.files.maxBytes);

    const url = new URL(req.url ?? "/", "http://localhost");
    // Sent compressed: the limit counts the decompressed bytes (a gzip bomb is refused while it inflates).
    const result = await withDecodedBody(req, (encoding) => new AppError("MODEL_INVALID", `The body is not valid ${encoding} data.`), (body) =>
      uploadModel({ db: ctx.db, actor: user }, deps.files, { name: url.searchParams.get("name") ?? "", description: url.searchParams.get("description") ?? undefined, body }),
    );
    return sendJson(res, result.created ? 201 : 200, result);
  } catch (e) {
    if (e instanceof AppError) return finish(req, res, () => sendProblem(res, e.code, e.message, e.details ? { details: e.details } : {}));
    if (req.destroyed || res.destroyed) return; // the client went away mid-upload: nobody to answer
    console.error("[inferline] model upload failed:", e);
    return finish(req, res, () => sendProblem(res, "INTERNAL", "The upload failed."));
  }
}

/**
 * Answers before the body was read (refused early, or mid-stream): ask the client to close the
 * connection and discard the rest of the body, so the answer is not lost to a connection reset.
 */
function finish(req: IncomingMessage, res: ServerResponse, send: () => void): void {
  if (!req.complete) {
    res.setHeader("Connection", "close");
    req.resume();
  }
  send();
}
