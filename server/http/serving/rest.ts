import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError, ERROR_CODES, errorCodeInfo, type TErrorCode } from "../../errors.ts";
import { runPipeline, type TRunResult, type TRunTarget } from "../../services/runs/run-pipeline.ts";
import { sendJson, sendProblem } from "../problem.ts";
import { handleBatches, isBatchRoute } from "./batches.ts";
import { parseInputs } from "./parse-inputs.ts";
import { routedTarget, setVersionHeader } from "./route-key.ts";
import type { ServingContext } from "./serving-context.ts";
import { openApiForPipeline, combinedOpenApi } from "../../services/serving/openapi.ts";

const SLUG = "[a-z0-9]+(?:-[a-z0-9]+)*";
const ALIAS = "[a-z][a-z0-9-]{0,31}";
const ROUTE = new RegExp(`^/api/v1/pipelines/(${SLUG})(?:@(${ALIAS})|/versions/([1-9][0-9]{0,8}))?/(invoke|openapi\\.json)$`);

export function isRestRoute(path: string): boolean {
  return path.startsWith("/api/v1/");
}

/**
 * REST endpoints of published pipelines, on the lean path:
 *   POST /api/v1/pipelines/{slug}/invoke              (the `production` alias)
 *   POST /api/v1/pipelines/{slug}@{alias}/invoke
 *   POST /api/v1/pipelines/{slug}/versions/{n}/invoke
 *   GET  …/openapi.json (same three forms) and GET /api/v1/openapi.json (every pipeline)
 * All of them need an API key. Errors are RFC 9457 problem+json with a stable code.
 */
export async function handleRest(ctx: ServingContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    if (url.pathname === "/api/v1/openapi.json") {
      if (req.method !== "GET" && req.method !== "HEAD") throw methodNotAllowed(res, "GET");
      await ctx.authenticate(req, url, "*");
      return sendJson(res, 200, await combinedOpenApi(ctx.db.prisma, baseUrl(req)));
    }
    if (ctx.batches && isBatchRoute(url.pathname)) return await handleBatches(ctx, ctx.batches, req, res, url, sendError);
    const m = ROUTE.exec(url.pathname);
    if (!m) throw new AppError("NOT_FOUND", `No API route ${url.pathname}.`);
    const [, slug, alias, version, action] = m as unknown as [string, string, string | undefined, string | undefined, string];
    const target: TRunTarget = version ? { version: Number(version) } : { alias: alias ?? "production" };

    if (action === "openapi.json") {
      if (req.method !== "GET" && req.method !== "HEAD") throw methodNotAllowed(res, "GET");
      await ctx.authenticate(req, url, slug);
      return sendJson(res, 200, await openApiForPipeline(ctx.db.prisma, ctx.resolver, slug, target, baseUrl(req)));
    }

    if (req.method !== "POST") throw methodNotAllowed(res, "POST");
    const key = await ctx.authenticate(req, url, slug);
    await ctx.consumeRate(key);
    const inputs = await parseInputs(req, ctx.limits.maxBodyBytes);
    const result = await ctx.withSlot(() => runPipeline({ db: ctx.db.prisma }, ctx.engine, { slug, target: routedTarget(target, req, key.id), inputs, source: "rest", apiKeyId: key.id, responseCache: true }, ctx.resolver));
    setVersionHeader(res, result.version);
    return sendRunResult(res, slug, result, url.searchParams.get("trace") === "1");
  } catch (e) {
    return sendError(res, e);
  }
}

function methodNotAllowed(res: ServerResponse, allow: string) {
  res.setHeader("Allow", allow);
  return new AppError("METHOD_NOT_ALLOWED", `Use ${allow} for this route.`);
}

function sendRunResult(res: ServerResponse, slug: string, r: TRunResult, withTrace: boolean) {
  if (r.status === "ok") {
    if (r.cached !== undefined) res.setHeader("X-Inferline-Cache", r.cached ? "hit" : "miss");
    return sendJson(res, 200, {
      invocation_id: r.invocationId,
      pipeline: slug,
      version: r.version,
      outputs: r.outputs,
      ...(withTrace ? { duration_ms: r.durationMs, trace: r.trace.map((t) => ({ node: t.nodeId, type: t.type, status: t.status, start_ms: t.start, duration_ms: t.durationMs })) } : {}),
    });
  }
  const code = (r.error.code in ERROR_CODES ? r.error.code : "NODE_FAILED") as TErrorCode;
  const status = errorCodeInfo(code).status;
  return sendProblem(
    res,
    code,
    r.error.message,
    {
      invocation_id: r.invocationId,
      pipeline: slug,
      version: r.version,
      ...(r.error.nodeId ? { node: r.error.nodeId } : {}),
      // `field` is an API input name (INVALID_INPUT); for a node failure the port is the node's own.
      ...(r.error.port ? (code === "INVALID_INPUT" ? { field: r.error.port } : { port: r.error.port }) : {}),
      ...(r.error.details ? { details: r.error.details } : {}),
      ...(r.error.issues ? { issues: r.error.issues.map((i) => ({ code: i.code, node: i.nodeId, message: i.message })) } : {}),
    },
    status,
  );
}

/** Coded errors become problem+json with their status; anything else is a logged 500 without internals. */
export function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) return void res.destroy();
  if (e instanceof AppError) {
    const retry = e.details?.retryAfterSeconds;
    if (typeof retry === "number") res.setHeader("Retry-After", String(retry));
    return sendProblem(res, e.code, e.message, e.details ? { details: e.details } : {});
  }
  if (isDatabaseDown(e)) return sendProblem(res, "NOT_READY", "The database is unavailable; nothing was run.");
  console.error("[inferline] serving error:", e);
  return sendProblem(res, "INTERNAL", "Internal error.");
}

function isDatabaseDown(e: unknown): boolean {
  const text = `${(e as Error)?.message ?? ""} ${(e as { code?: string })?.code ?? ""}`;
  return /ECONNREFUSED|Can't reach database|connection|closed|P1001|P1017/i.test(text);
}

function baseUrl(req: IncomingMessage): string {
  const proto = (req.headers["x-forwarded-proto"] as string | undefined)?.split(",")[0]?.trim() ?? "http";
  return `${proto}://${req.headers.host ?? "localhost"}`;
}
