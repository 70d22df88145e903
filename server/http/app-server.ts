import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { createContextFromNode, type TContextDeps } from "../api/context.ts";
import { appRouter } from "../api/root.ts";
import type { Database } from "../db/client.ts";
import { AppError } from "../errors.ts";
import type { TModelFilesConfig } from "../services/models/model-files.ts";
import type { TIngestLimits } from "../services/batches/ingest-dataset.ts";
import { ASSET_MAX_BYTES } from "../services/assets/manage-assets.ts";
import { ASSET_UPLOAD_PATH, handleAssetUpload } from "./asset-upload.ts";
import { BATCH_RESULTS_PATH, DATASET_UPLOAD_PATH, handleBatchResultsDownload, handleDatasetUpload } from "./dataset-upload.ts";
import { applyConnectionLimits, type TConnectionLimits } from "./connection-limits.ts";
import { handleMetrics, METRICS_PATH, type TMetrics } from "./metrics.ts";
import { handleModelUpload, MODEL_UPLOAD_PATH, modelFilesFromEnv } from "./model-upload.ts";
import { sendJson, sendProblem } from "./problem.ts";
import { handleOip, isOipRoute } from "./serving/oip.ts";
import { handleRest, isRestRoute } from "./serving/rest.ts";
import type { ServingContext } from "./serving/serving-context.ts";

export type TNextHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface TAppServerOptions {
  db: Database;
  context: Omit<TContextDeps, "db">;
  /** Everything the lean path does not answer goes to Next (pages, assets). */
  next: TNextHandler;
  /** tRPC request bodies larger than this are refused with 413. */
  maxBodyBytes?: number;
  /** Published-pipeline endpoints (REST /api/v1, Open Inference Protocol /v2); omitted = not served. */
  serving?: ServingContext;
  /** Where model uploads (POST /api/models) go and their size limit; omitted = from the environment. */
  models?: TModelFilesConfig;
  /** Prometheus metrics at GET /metrics (Bearer `token` when set, else loopback clients only); omitted = not served. */
  metrics?: { metrics: TMetrics; token?: string | undefined };
  /** Batch dataset uploads from the app (POST /api/datasets) and their limits; omitted = not served. */
  datasets?: TIngestLimits;
  /** Size limit of asset uploads (POST /api/assets); omitted = ASSET_MAX_BYTES (16 MiB). */
  assetMaxBytes?: number;
  /** Deadlines for receiving a request's headers and whole body (408 REQUEST_TIMEOUT past them); omitted = the defaults. */
  connection?: TConnectionLimits;
}

const TRPC_BASE = "/api/trpc/";

/**
 * One node:http server: a lean path for routes that must be fast (health, tRPC, and later published
 * pipelines) in front of Next's request handler, which serves the pages. See docs/ARCHITECTURE.md.
 */
export function createAppServer(opts: TAppServerOptions): http.Server {
  const deps: TContextDeps = { db: opts.db.prisma, ...opts.context };
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: TRPC_BASE,
    maxBodySize: opts.maxBodyBytes ?? 5 * 1024 * 1024,
    createContext: ({ req, res }) => createContextFromNode(deps, req, res),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR" && !(error.cause instanceof AppError)) {
        console.error(`tRPC ${path ?? "?"} failed:`, error.cause ?? error);
      }
    },
  });

  let modelFiles = opts.models; // read from the environment on first use when not given
  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    const path = url.split("?", 1)[0] ?? "/";
    if (path === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (path === "/readyz") {
      void opts.db.isReady().then((ready) =>
        ready ? sendJson(res, 200, { status: "ready", database: opts.db.kind }) : sendProblem(res, "NOT_READY", "The database is unreachable or its migrations are not applied."),
      );
      return;
    }
    if (path === METRICS_PATH && opts.metrics) {
      void handleMetrics(opts.metrics.metrics, opts.metrics.token, req, res).catch(() => sendProblem(res, "INTERNAL", "Internal error."));
      return;
    }
    if (opts.serving && (isRestRoute(path) || isOipRoute(path))) {
      const u = new URL(url, "http://localhost");
      void (isRestRoute(path) ? handleRest(opts.serving, req, res, u) : handleOip(opts.serving, req, res, u));
      return;
    }
    if (path === MODEL_UPLOAD_PATH) {
      if (!sameOrigin(req)) return sendProblem(res, "FORBIDDEN", "Cross-origin requests to the app API are not allowed.");
      void handleModelUpload({ context: deps, files: (modelFiles ??= modelFilesFromEnv()) }, req, res);
      return;
    }
    if (path === DATASET_UPLOAD_PATH && opts.datasets) {
      if (!sameOrigin(req)) return sendProblem(res, "FORBIDDEN", "Cross-origin requests to the app API are not allowed.");
      void handleDatasetUpload({ context: deps, limits: opts.datasets }, req, res);
      return;
    }
    if (path === ASSET_UPLOAD_PATH) {
      if (!sameOrigin(req)) return sendProblem(res, "FORBIDDEN", "Cross-origin requests to the app API are not allowed.");
      void handleAssetUpload({ context: deps, maxBytes: Math.min(opts.assetMaxBytes ?? ASSET_MAX_BYTES, ASSET_MAX_BYTES) }, req, res);
      return;
    }
    if (path === BATCH_RESULTS_PATH && opts.datasets) {
      void handleBatchResultsDownload({ context: deps }, req, res);
      return;
    }
    if (path.startsWith(TRPC_BASE)) {
      // Cookies authenticate the app's API: refuse cross-site writes (CSRF) on top of SameSite=Lax.
      if (req.method !== "GET" && !sameOrigin(req)) return sendProblem(res, "FORBIDDEN", "Cross-origin requests to the app API are not allowed.");
      return trpc(req, res);
    }
    void opts.next(req, res);
  });
  return applyConnectionLimits(server, opts.connection);
}

function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // non-browser clients (curl, server-to-server) send no Origin
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
