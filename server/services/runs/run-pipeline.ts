import type { TRunCache } from "../../engine/executor/run-cache.ts";
import type { TTraceEntry } from "../../engine/executor/execute.ts";
import { execute, RunError } from "../../engine/executor/execute.ts";
import { toJsonValue, type TJson } from "../../engine/values/to-json.ts";
import type { TCompileIssue } from "../../engine/compiler/compile.ts";
import { AppError } from "../../errors.ts";
import type { TActor, TServiceDeps } from "../context.ts";
import { defaultInvocationLog, type TCompletion, type TInvocationSource } from "../invocations/invocation-writer.ts";
import { logInputs, logOutputs, logTrace } from "../invocations/payload-policy.ts";
import type { TEngineDeps } from "./engine-deps.ts";
import { isDeterministicPlan } from "./response-cache.ts";
import { RunnableResolver, type TRunTarget } from "./runnable-resolver.ts";
import { defaultShadowRunner } from "./shadow-runs.ts";

export type { TRunTarget, TInvocationSource };

export interface TRunRequest {
  slug: string;
  target: TRunTarget;
  inputs: Record<string, unknown>;
  source: TInvocationSource;
  actor?: TActor | null;
  apiKeyId?: string | null;
  signal?: AbortSignal;
  /** Editor test runs: reuse outputs of unchanged nodes (content-hash cache). */
  cache?: TRunCache;
  /**
   * May be answered from the response cache (published calls: REST, OIP, batch rows), when the pipeline turned
   * it on and the target is a version whose nodes are all deterministic. Never drafts, never the publish gate.
   */
  responseCache?: boolean;
  /** Set on a shadow copy (shadow-runs.ts): the primary call's row and alias; a copy has no shadow of its own. */
  shadowOf?: { invocationId: string; alias: string };
}

export type TRunResult =
  | {
      status: "ok";
      invocationId: string;
      version: number | null;
      outputs: Record<string, TJson>;
      /** The outputs as the engine produced them (typed tensors), for encodings JSON cannot carry (OIP binary). */
      values: Record<string, unknown>;
      trace: TTraceEntry[];
      durationMs: number;
      /** true: answered from the response cache (nothing ran, trace empty); false: looked up and missed; absent: not eligible. */
      cached?: boolean;
    }
  | {
      status: "error";
      invocationId: string;
      version: number | null;
      error: { code: string; message: string; nodeId?: string; port?: string; issues?: TCompileIssue[]; details?: Record<string, unknown> };
      trace: TTraceEntry[];
      durationMs: number;
    };

/** A run result as JSON can carry it (tRPC): without the engine's typed values. */
export type TRunResultJson = { [S in TRunResult["status"]]: Omit<Extract<TRunResult, { status: S }>, "values"> }[TRunResult["status"]];

export function jsonRunResult(r: TRunResult): TRunResultJson {
  if (r.status === "error") return r;
  const { values, ...rest } = r;
  void values;
  return rest;
}

/**
 * The one code path that runs a pipeline, for the editor, REST, OIP and batch alike: resolve the graph,
 * register the run with the invocation log (journaled; refused with NOT_READY when the database does not
 * answer, and then the pipeline does not start), compile/execute, commit the run's row — and only then
 * answer, failed runs included. When the row cannot be committed the call fails with NOT_READY too (the
 * row is written as abandoned later). Unknown pipelines/versions throw (nothing ran, nothing to log).
 */
export async function runPipeline({ db }: TServiceDeps, engine: TEngineDeps, req: TRunRequest, resolver = new RunnableResolver(db, { ttlMs: 0, allowArchived: true })): Promise<TRunResult> {
  const runnable = await resolver.resolve(req.slug, req.target);
  const { compiled, version, logPolicy } = runnable;
  const log = engine.invocations ?? defaultInvocationLog(db);
  const cache = req.responseCache && engine.responseCache && runnable.cachePolicy.enabled && runnable.contentHash && compiled.plan && isDeterministicPlan(compiled.plan) ? engine.responseCache : null;
  const cacheKey = cache ? cache.key(runnable.pipelineId, runnable.contentHash!, compiled.plan!, req.inputs) : null;
  const inputs = await logInputs(req.inputs, logPolicy, engine.payloadMaxBytes);
  const invocationId = await log.begin({
    pipelineId: runnable.pipelineId,
    versionNumber: version,
    alias: req.shadowOf?.alias ?? runnable.alias,
    draftHash: runnable.draftHash,
    source: req.source,
    startedAt: new Date(),
    inputs: inputs.value,
    truncated: inputs.truncated,
    userId: req.actor?.id ?? null,
    apiKeyId: req.apiKeyId ?? null,
    ...(req.shadowOf ? { shadowOf: req.shadowOf.invocationId } : {}),
  });

  const t0 = performance.now();
  let result: TRunResult;
  try {
    result = await run();
  } catch (e) {
    // A bug, not a failed run: still record the outcome (if the log can take it) before letting it propagate.
    await log.finish(invocationId, completion({ status: "error", invocationId, version, error: { code: "INTERNAL", message: "Internal error" }, trace: [], durationMs: performance.now() - t0 })).catch(() => {});
    throw e;
  }
  if (cacheKey && result.status === "ok" && !result.cached) {
    cache!.set(cacheKey, { outputs: result.outputs, values: result.values }, runnable.cachePolicy.ttlSeconds);
    result.cached = false; // looked up, missed, kept for the next call
  }
  let outcome: TCompletion;
  try {
    outcome = completion(result);
  } catch {
    // Shaping the payload failed (a bug): the row is written all the same, without it.
    outcome = { status: result.status, errorCode: "INTERNAL", errorNode: null, errorMessage: "The run's outcome could not be prepared for the log.", durationMs: result.durationMs, trace: [], outputs: null, truncated: true };
  }
  await log.finish(invocationId, outcome);
  try {
    engine.observer?.runFinished({ pipeline: runnable.slug, version, source: req.source, status: result.status, durationMs: result.durationMs, trace: result.trace, ...(req.shadowOf ? { shadow: true } : {}), ...(cacheKey ? { cached: result.status === "ok" && result.cached === true } : {}) });
  } catch {
    // metrics must not fail a logged run
  }
  // The alias names a shadow: a copy of this call runs after the answer, logged beside it, never returned.
  const shadow = runnable.shadow;
  if (shadow !== null && !req.shadowOf && runnable.alias) {
    const copy: TRunRequest = { slug: req.slug, target: { version: shadow }, inputs: req.inputs, source: req.source, actor: req.actor ?? null, apiKeyId: req.apiKeyId ?? null, shadowOf: { invocationId, alias: runnable.alias } };
    (engine.shadows ?? defaultShadowRunner).offer(() => runPipeline({ db }, engine, copy, resolver));
  }
  return result;

  async function run(): Promise<TRunResult> {
    const hit = cacheKey ? cache!.get(cacheKey) : undefined;
    if (hit) return { status: "ok", invocationId, version, outputs: hit.outputs, values: hit.values, trace: [], durationMs: performance.now() - t0, cached: true };
    if (!compiled.plan) {
      const errors = compiled.issues.filter((i) => i.severity === "error");
      const error = { code: "INVALID_PIPELINE", message: `The pipeline does not compile: ${errors[0]?.message ?? "unknown error"}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`, issues: errors };
      return { status: "error", invocationId, version, error, trace: [], durationMs: performance.now() - t0 };
    }
    try {
      const r = await execute(compiled.plan, req.inputs, { models: engine.models, timeoutMs: engine.runTimeoutMs, ...(req.signal ? { signal: req.signal } : {}), ...(req.cache ? { cache: req.cache } : {}) });
      const outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, toJsonValue(v)]));
      return { status: "ok", invocationId, version, outputs, values: r.outputs, trace: r.trace, durationMs: r.durationMs };
    } catch (e) {
      if (!(e instanceof RunError)) throw e;
      // A coded cause (e.g. INFERENCE_TIMEOUT from the model runtime) is more precise than NODE_FAILED.
      const code = e.code === "NODE_FAILED" && e.cause instanceof AppError ? e.cause.code : e.code;
      const error = {
        code,
        message: e.message,
        ...(e.nodeId ? { nodeId: e.nodeId } : {}),
        ...(e.port ? { port: e.port } : {}),
        ...(e.details ? { details: e.details } : {}),
      };
      return { status: "error", invocationId, version, error, trace: e.trace, durationMs: performance.now() - t0 };
    }
  }

  function completion(r: TRunResult): TCompletion {
    const outputs = r.status === "ok" ? logOutputs(r.outputs, logPolicy, engine.payloadMaxBytes) : null;
    return {
      status: r.status,
      errorCode: r.status === "error" ? r.error.code : null,
      errorNode: r.status === "error" ? (r.error.nodeId ?? r.error.issues?.[0]?.nodeId ?? null) : null,
      errorMessage: r.status === "error" ? r.error.message : null,
      durationMs: r.durationMs,
      trace: logTrace(r.trace, logPolicy) as unknown as TJson,
      outputs: outputs?.value ?? null,
      truncated: outputs?.truncated ?? false,
      ...(r.status === "ok" && r.cached ? { cached: true } : {}),
    };
  }
}
