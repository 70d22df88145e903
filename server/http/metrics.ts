import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { TPoolStats } from "../engine/runtime/inference-pool.ts";
import type { TBatchExecution } from "../engine/runtime/types.ts";
import type { InvocationWriter } from "../services/invocations/invocation-writer.ts";
import type { TRunObservation, TRunObserver } from "../services/runs/engine-deps.ts";
import type { TShadowStats } from "../services/runs/shadow-runs.ts";
import type { ResponseCache } from "../services/runs/response-cache.ts";
import { sendProblem } from "./problem.ts";

export const METRICS_PATH = "/metrics";

/** Where the collect-time gauges and counters read from; each is optional (tests, tools). */
export interface TMetricsSources {
  serving?: () => { running: number; queued: number };
  inference?: () => TPoolStats;
  log?: () => ReturnType<InvocationWriter["stats"]>;
  shadows?: () => TShadowStats;
  responseCache?: () => ReturnType<ResponseCache["stats"]>;
}

export interface TMetrics extends TRunObserver {
  registry: Registry;
  /** Feeds the invocation log's write histogram (InvocationWriter `onWrite`). */
  logWrite(w: { rows: number; seconds: number; ok: boolean }): void;
  /** Feeds the dynamic batching histogram (InferencePool `onBatch`). */
  inferenceBatch(e: TBatchExecution): void;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Prometheus metrics of one server process (prom-client, its own registry). Per-run metrics are observed
 * when a run finishes (TRunObserver); queue depths, inference worker restarts and model session loads are
 * read from their owners' stats() at scrape time. Default process metrics (CPU, memory, event loop lag, GC)
 * are included. Version label: the version number, or "draft".
 */
export function createMetrics(sources: TMetricsSources = {}): TMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const runSeconds = new Histogram({ name: "inferline_invocation_duration_seconds", help: "Pipeline run duration (engine time, without queueing and logging).", labelNames: ["pipeline", "version"], buckets: LATENCY_BUCKETS, registers: [registry] });
  const runs = new Counter({ name: "inferline_invocations_total", help: "Pipeline runs by outcome and caller.", labelNames: ["pipeline", "source", "status"], registers: [registry] });
  const nodeSeconds = new Histogram({ name: "inferline_node_duration_seconds", help: "Node execution time, from run traces.", labelNames: ["pipeline", "node", "type"], buckets: LATENCY_BUCKETS, registers: [registry] });
  const logWriteSeconds = new Histogram({ name: "inferline_invocation_log_write_seconds", help: "Time of one group-commit statement of the invocation log.", buckets: LATENCY_BUCKETS, registers: [registry] });
  const logBatchRows = new Histogram({ name: "inferline_invocation_log_batch_rows", help: "Rows written per group-commit statement.", buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers: [registry] });
  const shadowRuns = new Counter({ name: "inferline_shadow_runs_total", help: "Shadow copies of alias calls that ran, by outcome (not counted in inferline_invocations_total).", labelNames: ["pipeline", "version", "status"], registers: [registry] });
  const logFailures = new Counter({ name: "inferline_invocation_log_write_failures_total", help: "Group-commit statements that failed.", registers: [registry] });
  const cacheLookups = new Counter({ name: "inferline_response_cache_lookups_total", help: "Published calls looked up in the response cache, by result (hit: answered from it; a hit is also counted in inferline_invocations_total).", labelNames: ["pipeline", "result"], registers: [registry] });
  const batchRows = new Histogram({ name: "inferline_inference_batch_size", help: "Rows per model execution, for model nodes with dynamic batching on (1 request alone counts its own rows).", labelNames: ["model"], buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], registers: [registry] });

  const gauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const v = read();
        if (v !== undefined) this.set(v);
      },
    });
  /** A counter whose value its owner keeps (a monotonic total read at scrape time). */
  const total = (name: string, help: string, read: () => number | undefined) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const v = read();
        if (v === undefined) return;
        this.reset();
        this.inc(v);
      },
    });

  gauge("inferline_serving_runs_in_progress", "Published-pipeline runs executing now.", () => sources.serving?.().running);
  gauge("inferline_serving_queue_depth", "Published-pipeline runs waiting for a slot.", () => sources.serving?.().queued);
  gauge("inferline_inference_queue_depth", "Model runs waiting for an inference worker.", () => sources.inference?.().queued);
  gauge("inferline_inference_workers_ready", "Inference workers idle or busy (not starting, not dead).", () => sources.inference?.().workers.filter((w) => w.state === "idle" || w.state === "busy").length);
  total("inferline_inference_worker_restarts_total", "Inference worker processes restarted (after a crash or a timeout).", () => sources.inference?.().restarts);
  total("inferline_inference_worker_crashes_total", "Inference worker processes that died during a run.", () => sources.inference?.().crashes);
  total("inferline_inference_timeouts_total", "Model runs past their deadline.", () => sources.inference?.().timeouts);
  total("inferline_model_session_loads_total", "Model sessions created by inference workers (session cache misses).", () => sources.inference?.().sessionMisses);
  total("inferline_model_session_hits_total", "Model runs on an already loaded session.", () => sources.inference?.().sessionHits);
  total("inferline_inference_batches_total", "Model executions that answered several requests at once (dynamic batching).", () => sources.inference?.().batches);
  total("inferline_inference_batch_fallbacks_total", "Batches that failed or could not be split back, so each request was re-run alone.", () => sources.inference?.().batchFallbacks);
  gauge("inferline_invocation_log_queue_depth", "Log rows waiting for the next group commit.", () => sources.log?.().queued);
  gauge("inferline_response_cache_entries", "Answers held by the response cache.", () => sources.responseCache?.().entries);
  gauge("inferline_response_cache_bytes", "Approximate memory held by the response cache (RESPONSE_CACHE_MAX_BYTES caps it).", () => sources.responseCache?.().bytes);
  gauge("inferline_shadow_runs_in_flight", "Shadow copies of alias calls running now.", () => sources.shadows?.().inFlight);
  total("inferline_shadow_dropped_total", "Shadow copies not run because SHADOW_MAX_IN_FLIGHT were already running.", () => sources.shadows?.().dropped);
  gauge("inferline_invocation_log_orphans", "Runs whose outcome could not be logged, waiting to be marked abandoned.", () => sources.log?.().orphans);

  return {
    registry,
    runFinished(r: TRunObservation) {
      const version = r.version === null ? "draft" : String(r.version);
      runSeconds.observe({ pipeline: r.pipeline, version }, r.durationMs / 1000);
      if (r.shadow) shadowRuns.inc({ pipeline: r.pipeline, version, status: r.status });
      else runs.inc({ pipeline: r.pipeline, source: r.source, status: r.status });
      if (r.cached !== undefined) cacheLookups.inc({ pipeline: r.pipeline, result: r.cached ? "hit" : "miss" });
      for (const t of r.trace) if (t.status === "ok" || t.status === "error") nodeSeconds.observe({ pipeline: r.pipeline, node: t.nodeId, type: t.type }, t.durationMs / 1000);
    },
    logWrite(w) {
      logWriteSeconds.observe(w.seconds);
      logBatchRows.observe(w.rows);
      if (!w.ok) logFailures.inc();
    },
    inferenceBatch(e) {
      batchRows.observe({ model: e.model }, e.rows);
    },
  };
}

/**
 * GET /metrics. With METRICS_TOKEN set, requests must send `Authorization: Bearer <token>`; without it,
 * only loopback clients are answered (a scraper on the same host or through a local agent). Behind a reverse
 * proxy on the same host every request looks local: set METRICS_TOKEN there.
 */
export async function handleMetrics(metrics: TMetrics, token: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET");
    return sendProblem(res, "METHOD_NOT_ALLOWED", "Use GET for /metrics.");
  }
  if (token) {
    const auth = req.headers.authorization ?? "";
    const given = auth.toLowerCase().startsWith("bearer ") ? auth.slice(7).trim() : "";
    if (!sameSecret(given, token)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
      return sendProblem(res, "UNAUTHENTICATED", "Send 'Authorization: Bearer <METRICS_TOKEN>' to read the metrics.");
    }
  } else if (!isLoopback(req.socket.remoteAddress)) {
    return sendProblem(res, "FORBIDDEN", "Metrics are served to loopback clients only; set METRICS_TOKEN to scrape them from elsewhere.");
  }
  const body = await metrics.registry.metrics();
  res.writeHead(200, { "content-type": metrics.registry.contentType, "cache-control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : body);
}

function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
