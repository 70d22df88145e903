import type { z } from "zod";
import type { TSubTrace } from "./executor/execute.ts";
import type { TGraph } from "./graph/schema.ts";
import type { TRegistry } from "./registry.ts";
import type { TBatchPolicy } from "./runtime/types.ts";
import type { TKind } from "./types/kinds.ts";
import type { TAudioCodec } from "./values/audio.ts";
import type { TImageCodec } from "./values/image.ts";

/** Model metadata the compiler needs (from the registry), looked up by name and version. */
export interface TModelInfo {
  name: string;
  version: number;
  sha256: string;
  inputs: { name: string; dtype: string; shape: (number | string | null)[] | null }[];
  outputs: { name: string; dtype: string; shape: (number | string | null)[] | null }[];
  labels?: string[] | null | undefined;
}

/**
 * A file uploaded to a pipeline (vocabulary, tokenizer.json, label or character list), referenced by nodes as
 * {name, sha256}: content-addressed, so a committed version keeps the exact bytes it was built with.
 */
export interface TAssetInfo {
  name: string;
  sha256: string;
  mediaType: string;
  bytes: Uint8Array;
}

/** What the compiler knows beyond the graph. Pure data: compiling does no I/O. */
export interface TCompileEnv {
  models: ReadonlyMap<string, TModelInfo>; // key: `${name}@${version}`
  /** Assets the graph refers to, by sha256 (loaded beforehand, like the models). */
  assets?: ReadonlyMap<string, TAssetInfo>;
  /** Set by the compiler for nodes that compile a sub-graph (list/map); callers need not pass it. */
  registry?: TRegistry;
  /**
   * Pipelines the graph's sub-pipeline nodes (logic/pipeline) refer to, by slug, with the versions they need
   * (loaded beforehand, transitively: a referenced version's own sub-pipelines too).
   */
  pipelines?: ReadonlyMap<string, TPipelineInfo>;
  /** The pipelines being compiled, outermost first (the root's slug when known): sub-pipeline cycles and depth. */
  pipelineChain?: readonly string[];
  /** How many sub-pipeline levels deep this graph is (0 or absent: the pipeline itself). */
  pipelineDepth?: number;
}

/** A pipeline as a sub-pipeline node sees it: its aliases (→ version number) and the version graphs loaded. */
export interface TPipelineInfo {
  slug: string;
  aliases: Readonly<Record<string, number>>;
  /** Committed graphs by version number: those referenced (not necessarily every version). */
  versions: ReadonlyMap<number, TGraph>;
  /** The highest version number committed (versions 1…versionCount exist). */
  versionCount: number;
}

export interface TPortSpec {
  kind: TKind;
  optional?: boolean;
  description?: string;
}

export interface TNodeIssue {
  code: string;
  message: string;
  port?: string;
  severity?: "error" | "warning";
  expected?: string;
  actual?: string;
}

export interface TPorts {
  inputs: Record<string, TPortSpec>;
  outputs: Record<string, TKind>;
}

/** Result of describing a node for given params: its ports, issues, and data resolved for execution. */
export interface TDescribeResult extends TPorts {
  issues?: TNodeIssue[];
  /** e.g. the model's sha256 for model/onnx; handed to execute as ctx.resolved. */
  resolved?: unknown;
}

export interface TModelRunner {
  /** `batch`: the node's dynamic batching policy, when on (see InferencePool); `name`: name@version, for metrics. */
  run(sha256: string, feeds: Record<string, unknown>, opts: { signal: AbortSignal; batch?: TBatchPolicy | undefined; name?: string | undefined }): Promise<Record<string, unknown>>;
}

/**
 * Media codecs, implemented under server/engine/runtime/ (sharp, WAV decoding): nodes never import a codec
 * library themselves, so the engine's node code stays pure and testable with stand-ins.
 */
export interface TCodecs {
  image: TImageCodec;
  audio: TAudioCodec;
}

export interface TExecContext {
  nodeId: string;
  signal: AbortSignal;
  models: TModelRunner;
  codecs: TCodecs;
  resolved: unknown;
  /**
   * Set by the executor for every node: a node that runs a sub-graph (list/map, list/scan) hands it what its
   * inner nodes did per element, and the executor keeps it on the node's trace entry (`sub`).
   */
  recordSub?: ((sub: TSubTrace) => void) | undefined;
}

export type TNodeValues = Record<string, unknown>;

export interface TNodeDefinition<P = unknown> {
  /** Namespaced and versioned: `category/name@vN`. A published type never changes; new behaviour is a new version. */
  type: string;
  title: string;
  category: "io" | "image" | "text" | "audio" | "tensor" | "tabular" | "model" | "postprocessing" | "list" | "logic";
  description: string;
  params: z.ZodType<P>;
  /** Static ports, or ports that depend on params (concat arity, feature lists, model signatures). */
  ports: TPorts | ((params: P, env: TCompileEnv) => TDescribeResult);
  /** Shape/dtype propagation: output kinds from the kinds actually connected to the inputs. */
  infer?: (args: { params: P; inputs: Record<string, TKind | undefined>; outputs: Record<string, TKind>; env: TCompileEnv }) => { outputs?: Record<string, TKind>; issues?: TNodeIssue[] };
  /**
   * The node works row by row along dim 0 of its tensors: run on inputs concatenated along dim 0, its
   * outputs are the per-row outputs concatenated along dim 0. A per-element map uses this to run one batched
   * call instead of one per element (model/onnx when the model's first dim is free).
   */
  batchable?: boolean;
  /**
   * false: the same inputs may give different outputs (randomness, the clock, outside state). Default true — every
   * node in the catalogue today is a function of its inputs, params and resolved data (model bytes are pinned by
   * sha256). A version with such a node is never answered from the response cache (services/runs/response-cache.ts).
   */
  deterministic?: boolean;
  /** Nodes that run even when an input was skipped by a branch (merge). */
  acceptsSkipped?: boolean;
  execute: (inputs: TNodeValues, params: P, ctx: TExecContext) => TNodeValues | Promise<TNodeValues>;
}

export type TAnyNodeDefinition = TNodeDefinition<never> | TNodeDefinition<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function defineNode<P>(def: TNodeDefinition<P>): TNodeDefinition<P> {
  return def;
}

export function describeNode<P>(def: TNodeDefinition<P>, params: P, env: TCompileEnv): TDescribeResult {
  return typeof def.ports === "function" ? def.ports(params, env) : def.ports;
}
