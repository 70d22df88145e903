import type { TTraceEntry } from "../../engine/executor/execute.ts";
import { execute, RunError } from "../../engine/executor/execute.ts";
import { toJsonValue, type TJson } from "../../engine/values/to-json.ts";
import type { TCompileIssue } from "../../engine/compiler/compile.ts";
import { AppError } from "../../errors.ts";
import type { TActor, TServiceDeps } from "../context.ts";
import type { TEngineDeps } from "./engine-deps.ts";
import { recordInvocation } from "./record-invocation.ts";
import { RunnableResolver, type TRunTarget } from "./runnable-resolver.ts";

export type { TRunTarget };
export type TInvocationSource = "editor" | "rest" | "oip" | "batch";

export interface TRunRequest {
  slug: string;
  target: TRunTarget;
  inputs: Record<string, unknown>;
  source: TInvocationSource;
  actor?: TActor | null;
  apiKeyId?: string | null;
  signal?: AbortSignal;
}

export type TRunResult =
  | { status: "ok"; invocationId: string; version: number | null; outputs: Record<string, TJson>; trace: TTraceEntry[]; durationMs: number }
  | {
      status: "error";
      invocationId: string;
      version: number | null;
      error: { code: string; message: string; nodeId?: string; port?: string; issues?: TCompileIssue[]; details?: Record<string, unknown> };
      trace: TTraceEntry[];
      durationMs: number;
    };

/**
 * The one code path that runs a pipeline, for the editor, REST, OIP and batch alike: resolve the graph,
 * compile, execute, and write the Invocation row before the caller gets an answer — failed runs included.
 * Unknown pipelines/versions throw (nothing ran, nothing to log); everything after that is logged.
 */
export async function runPipeline({ db }: TServiceDeps, engine: TEngineDeps, req: TRunRequest, resolver = new RunnableResolver(db, { ttlMs: 0, allowArchived: true })): Promise<TRunResult> {
  const runnable = await resolver.resolve(req.slug, req.target);
  const { compiled, version } = runnable;
  const startedAt = new Date();
  const t0 = performance.now();
  const base = {
    pipelineId: runnable.pipelineId,
    versionNumber: version,
    alias: runnable.alias,
    draftHash: runnable.draftHash,
    source: req.source,
    startedAt,
    userId: req.actor?.id ?? null,
    apiKeyId: req.apiKeyId ?? null,
    inputs: req.inputs,
  };

  if (!compiled.plan) {
    const errors = compiled.issues.filter((i) => i.severity === "error");
    const error = { code: "INVALID_PIPELINE", message: `The pipeline does not compile: ${errors[0]?.message ?? "unknown error"}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`, issues: errors };
    const durationMs = performance.now() - t0;
    const invocationId = await recordInvocation(db, engine, { ...base, status: "error", errorCode: error.code, errorNode: errors[0]?.nodeId ?? null, errorMessage: error.message, durationMs, trace: [], outputs: null });
    return { status: "error", invocationId, version, error, trace: [], durationMs };
  }

  try {
    const run = await execute(compiled.plan, req.inputs, { models: engine.models, timeoutMs: engine.runTimeoutMs, ...(req.signal ? { signal: req.signal } : {}) });
    const outputs = Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, toJsonValue(v)]));
    const invocationId = await recordInvocation(db, engine, { ...base, status: "ok", errorCode: null, errorNode: null, errorMessage: null, durationMs: run.durationMs, trace: run.trace, outputs });
    return { status: "ok", invocationId, version, outputs, trace: run.trace, durationMs: run.durationMs };
  } catch (e) {
    if (!(e instanceof RunError)) throw e;
    const durationMs = performance.now() - t0;
    // A coded cause (e.g. INFERENCE_TIMEOUT from the model runtime) is more precise than NODE_FAILED.
    const code = e.code === "NODE_FAILED" && e.cause instanceof AppError ? e.cause.code : e.code;
    const error = {
      code,
      message: e.message,
      ...(e.nodeId ? { nodeId: e.nodeId } : {}),
      ...(e.port ? { port: e.port } : {}),
      ...(e.details ? { details: e.details } : {}),
    };
    const invocationId = await recordInvocation(db, engine, { ...base, status: "error", errorCode: code, errorNode: e.nodeId ?? null, errorMessage: e.message, durationMs, trace: e.trace, outputs: null });
    return { status: "error", invocationId, version, error, trace: e.trace, durationMs };
  }
}
