import type { TDtype } from "../values/tensor.ts";

/**
 * One input or output of a model. Shape entries: a number is a fixed dimension, a string a symbolic one
 * ("batch"), null a dimension the model leaves unknown. `shape` itself is null when the model does not
 * even declare the rank (rare, but legal ONNX): an empty array would wrongly read as a scalar.
 */
export interface TTensorInfo {
  name: string;
  dtype: TDtype;
  shape: (number | string | null)[] | null;
}

/** What the registry stores about an uploaded model, read once at upload by `inspectModel`. */
export interface TModelMetadata {
  inputs: TTensorInfo[];
  outputs: TTensorInfo[];
  /** Version of the default ("ai.onnx") operator set, null when the model does not import it. */
  opset: number | null;
  producer: string | null;
  irVersion: number | null;
}

/**
 * ONNX Runtime session options the app sets explicitly (see `DEFAULT_SESSION_OPTIONS`). A subset of
 * onnxruntime-common's SessionOptions, kept as plain data because it crosses the process boundary.
 */
export interface TSessionOptions {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  enableCpuMemArena?: boolean;
  enableMemPattern?: boolean;
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
  executionMode?: "sequential" | "parallel";
  /** Thread pools spin while idle by default; with one process per core that only burns CPU. */
  allowSpinning?: boolean;
}

/** Error codes a runtime child process may report; the parent turns them into AppErrors. */
export type TRuntimeErrorCode =
  | "MODEL_INVALID"
  | "MODEL_EXTERNAL_DATA"
  | "MODEL_UNSUPPORTED_TYPE"
  | "INFERENCE_FAILED"
  | "INTERNAL";

/**
 * Dynamic batching of one model node's runs, with Triton's semantics (see InferencePool). Plain data: the
 * model node derives it from its params and sends it with every run; runs join a batch only with runs of
 * the same model under an equal policy.
 */
export interface TBatchPolicy {
  /** Rows run together at most (Triton's max_batch_size). */
  maxBatchSize: number;
  /** How long the oldest queued run may wait for others while a worker is free (max_queue_delay_microseconds). */
  maxQueueDelayMicroseconds: number;
  /** Row counts dispatched at once when the queue reaches one of them (preferred_batch_size). */
  preferredBatchSizes: number[];
}

/** One ONNX Runtime execution of runs that had a batch policy: reported to `onBatch` (metrics). */
export interface TBatchExecution {
  /** The run's `name` option (model name@version), else the model hash. */
  model: string;
  /** Rows along dim 0 in this execution (the batch size). */
  rows: number;
  /** Calls it answered: more than one when batched. */
  requests: number;
}
