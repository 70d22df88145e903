import type { TModelRunner } from "../../engine/define-node.ts";
import type { TTraceEntry } from "../../engine/executor/execute.ts";
import type { TInvocationLog, TInvocationSource } from "../invocations/invocation-writer.ts";
import type { ShadowRunner } from "./shadow-runs.ts";
import type { ResponseCache } from "./response-cache.ts";

/** What running pipelines needs beyond the database: the model runtime, limits, the log and observers. */
export interface TEngineDeps {
  models: TModelRunner;
  /** Per-run deadline. */
  runTimeoutMs: number;
  /** Hard cap on the inputs, and on the outputs, the log keeps of one run (JSON bytes), whatever the pipeline's policy. */
  payloadMaxBytes: number;
  /** Where runs are logged (group commit); omitted = the database's default writer (defaultInvocationLog). */
  invocations?: TInvocationLog;
  /** Told about every finished run (metrics). */
  observer?: TRunObserver;
  /** Where shadow copies of alias calls run (bounded, off the answer's path); omitted = a shared default runner. */
  shadows?: ShadowRunner;
  /** Answers of published versions kept for pipelines that turned it on (omitted = no caching). */
  responseCache?: ResponseCache;
}

export interface TRunObservation {
  pipeline: string;
  version: number | null;
  source: TInvocationSource;
  status: "ok" | "error";
  durationMs: number;
  trace: readonly TTraceEntry[];
  /** A shadow copy of a call (its answer went nowhere). */
  shadow?: boolean;
  /** Answered from the response cache (true), looked up and missed (false), not eligible (undefined). */
  cached?: boolean;
}

export interface TRunObserver {
  runFinished(run: TRunObservation): void;
}
