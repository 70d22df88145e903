import type { IncomingMessage, ServerResponse } from "node:http";
import { createContextFromNode, type TContextDeps } from "../api/context.ts";
import { AppError } from "../errors.ts";
import { assertAssetName, uploadAsset } from "../services/assets/manage-assets.ts";
import { assertRole } from "../services/context.ts";
import { sendJson, sendProblem } from "./problem.ts";
import { readBody } from "./serving/read-body.ts";

export const ASSET_UPLOAD_PATH = "/api/assets";

/**
 * `POST /api/assets?slug=<pipeline>&name=<file name>` with the file as the raw `application/octet-stream` body:
 * the app's asset upload (vocab.txt, tokenizer.json, label lists). Another file under an existing name replaces it
 * (a new row, the name's latest); the same bytes again answer 200 with the existing file. List, content and delete
 * are tRPC (`assets.*`). On the lean path like model and dataset uploads: the body is counted while it arrives
 * (decompressed when sent with Content-Encoding) and refused with 413 past `maxBytes`; the name is checked before
 * the body is read and is only ever a database key, never a path. Session cookie (editor role); app-server
 * refuses cross-origin requests first. Not multipart: a raw body keeps HTML forms from posting here (CSRF).
 */
export async function handleAssetUpload(deps: { context: TContextDeps; maxBytes: number }, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method !== "POST") {
      res.setHeader("Allow", "POST");
      throw new AppError("METHOD_NOT_ALLOWED", "Upload an asset with POST /api/assets?slug=<pipeline>&name=<file name>.");
    }
    const ctx = await createContextFromNode(deps.context, req, res);
    const user = ctx.user;
    if (!user) throw new AppError("UNAUTHENTICATED", "Sign in to upload assets.");
    assertRole(user, "editor"); // before reading the body (the service checks again)
    const type = (req.headers["content-type"] ?? "").split(";", 1)[0]!.trim().toLowerCase();
    if (type !== "application/octet-stream") throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the file as the raw request body with Content-Type: application/octet-stream.", { contentType: type || null });
    const url = new URL(req.url ?? "/", "http://localhost");
    const name = url.searchParams.get("name") ?? "";
    assertAssetName(name);
    const bytes = await readBody(req, deps.maxBytes).catch((e: unknown) => {
      if (e instanceof AppError && e.code === "PAYLOAD_TOO_LARGE") throw new AppError("PAYLOAD_TOO_LARGE", `Assets are at most ${formatBytes(deps.maxBytes)}; this file is larger.`, { limitBytes: deps.maxBytes });
      throw e;
    });
    const asset = await uploadAsset({ db: ctx.db, actor: user }, { slug: url.searchParams.get("slug") ?? "", name, bytes });
    return sendJson(res, asset.created ? 201 : 200, asset);
  } catch (e) {
    if (!req.complete) {
      res.setHeader("Connection", "close");
      req.resume();
    }
    if (e instanceof AppError) return sendProblem(res, e.code, e.message, e.details ? { details: e.details } : {});
    if (req.destroyed || res.destroyed) return;
    console.error("[inferline] asset upload failed:", e);
    return sendProblem(res, "INTERNAL", "The upload failed.");
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MiB` : `${+(n / 1024).toFixed(1)} KiB`;
}
