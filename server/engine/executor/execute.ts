import type { TCodecs, TModelRunner } from "../define-node.ts";
import { defaultCodecs } from "../runtime/codecs.ts";
import { CodedNodeError, EngineError, NodeInputError } from "../errors.ts";
import type { TPlan, TPlanNode } from "../compiler/compile.ts";
import { summarize, type TValueSummary } from "./summary.ts";
import { coerceInput } from "./coerce-input.ts";
import { nodeKeys, type TRunCache } from "./run-cache.ts";

/** The value a branch node emits on the side not taken; nodes fed by it are skipped too. */
export const SKIPPED: unique symbol = Symbol("skipped");

export interface TTraceEntry {
  nodeId: string;
  type: string;
  status: "ok" | "error" | "skipped" | "cancelled";
  /** ms since the run started. */
  start: number;
  durationMs: number;
  /** The outputs came from the run cache: params and inputs were unchanged. */
  cached?: boolean;
  outputs?: Record<string, TValueSummary>;
  error?: string;
  /** A sub-graph node (list/map, list/scan): what its inner nodes did, per element. */
  sub?: TSubTrace;
  /** Inside a sub-trace: the node ran once for all elements (a batched model call); durationMs is that call's. */
  batched?: true;
}

/**
 * Per-element traces of a sub-graph node. Only the first ELEMENT_TRACE_LIMIT elements are kept (`count` says
 * how many there were), so a map over thousands of boxes costs the trace — and the invocation log — no more
 * than ten; nested maps keep ten of ten. Inner entries' `start` is ms since the sub-graph started.
 */
export interface TSubTrace {
  count: number;
  elements: { index: number; nodes: Record<string, TTraceEntry> }[];
}

export const ELEMENT_TRACE_LIMIT = 10;

/** Sub-traces of cached outputs: a node served from the run cache shows the previews it recorded when it ran. */
const subTraces = new WeakMap<object, TSubTrace>();

export interface TExecuteOptions {
  models: TModelRunner;
  /** Image/audio codecs for media nodes; the runtime's own (sharp, WAV) when omitted. */
  codecs?: TCodecs;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Reuse outputs of nodes whose content key is unchanged (editor re-runs). */
  cache?: TRunCache;
}

export interface TExecuteResult {
  outputs: Record<string, unknown>;
  trace: TTraceEntry[];
  durationMs: number;
}

/** Thrown by execute; carries the trace so far, so failed runs can be logged with it. */
export class RunError extends EngineError {
  trace: TTraceEntry[] = [];
}

/**
 * Runs a compiled plan. A ready queue starts every node whose inputs are available, so independent
 * branches run concurrently (model calls are async, off the event loop). Every node gets a trace entry;
 * the first failure cancels the rest and is reported with the node and the cause.
 */
export async function execute(plan: TPlan, rawInputs: Record<string, unknown>, opts: TExecuteOptions): Promise<TExecuteResult> {
  const t0 = performance.now();
  const controller = new AbortController();
  const trace: TTraceEntry[] = [];
  const codecs = opts.codecs ?? defaultCodecs();
  const values = new Map<string, Record<string, unknown>>();
  let failure: RunError | undefined;

  const fail = (e: RunError) => {
    failure ??= e;
    controller.abort(e);
  };
  const onOuterAbort = () => fail(new RunError("RUN_CANCELLED", "The run was cancelled."));
  if (opts.signal?.aborted) onOuterAbort();
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const timer =
    opts.timeoutMs !== undefined
      ? setTimeout(() => fail(new RunError("RUN_TIMEOUT", `The run took longer than ${opts.timeoutMs} ms.`, { details: { timeoutMs: opts.timeoutMs } })), opts.timeoutMs)
      : undefined;

  try {
    // Pipeline inputs: validated and converted once, up front, naming the field.
    const provided = new Map<string, unknown>();
    for (const input of plan.inputs) {
      const raw = rawInputs[input.name] === undefined ? input.default : rawInputs[input.name];
      if (raw === undefined) {
        if (input.required) throw new RunError("INVALID_INPUT", `Input '${input.name}' is required.`, { port: input.name, details: { field: input.name, expected: input.kind } });
        provided.set(input.nodeId, SKIPPED);
        continue;
      }
      try {
        provided.set(input.nodeId, coerceInput(raw, input.kind));
      } catch (e) {
        throw new RunError("INVALID_INPUT", `Input '${input.name}': ${(e as Error).message}`, { port: input.name, details: { field: input.name }, cause: e });
      }
    }
    const known = new Set(plan.inputs.map((i) => i.name));
    const extra = Object.keys(rawInputs).filter((k) => !known.has(k));
    if (extra.length) throw new RunError("INVALID_INPUT", `Unknown input${extra.length > 1 ? "s" : ""}: ${extra.join(", ")} (expected: ${[...known].join(", ") || "none"}).`, { details: { unknown: extra } });

    const remaining = new Map<string, number>();
    const dependents = new Map<string, string[]>();
    for (const n of plan.nodes.values()) {
      const sources = new Set(Object.values(n.inputs).map((s) => s.node));
      remaining.set(n.id, sources.size);
      for (const s of sources) dependents.set(s, [...(dependents.get(s) ?? []), n.id]);
    }

    const inputNodeIds = new Set(plan.inputs.map((i) => i.nodeId));
    const keys = opts.cache ? nodeKeys(plan, provided) : null;
    await new Promise<void>((resolve) => {
      const running = new Set<TTraceEntry>();
      let done = 0;
      const total = plan.nodes.size;
      // Already aborted (a pre-aborted signal, or a timeout while inputs were converted): the abort
      // listener below would never fire, and no node would start.
      if (total === 0 || controller.signal.aborted) return resolve();
      // On failure, timeout or cancellation stop waiting at once: a hung node must not hold the run.
      controller.signal.addEventListener(
        "abort",
        () => {
          const now = performance.now();
          for (const entry of running) {
            if (entry.status !== "ok") continue; // the failing node keeps its error
            entry.status = "cancelled";
            entry.durationMs = ms(now - t0 - entry.start);
          }
          resolve();
        },
        { once: true },
      );
      const start = (node: TPlanNode) => {
        if (failure) return;
        void runNode(node).then(() => {
          done++;
          if (!failure) for (const d of dependents.get(node.id) ?? []) {
            const left = remaining.get(d)! - 1;
            remaining.set(d, left);
            if (left === 0) start(plan.nodes.get(d)!);
          }
          if (done === total) resolve();
        });
      };
      const runNode = async (node: TPlanNode) => {
        const started = performance.now();
        const entry: TTraceEntry = { nodeId: node.id, type: node.type, status: "ok", start: ms(started - t0), durationMs: 0 };
        trace.push(entry);
        running.add(entry);
        try {
          const inputs: Record<string, unknown> = {};
          let skipped = false;
          for (const [port, src] of Object.entries(node.inputs)) {
            const v = values.get(src.node)?.[src.port];
            if (v === SKIPPED) skipped = true;
            inputs[port] = v;
          }
          if (inputNodeIds.has(node.id)) {
            const v = provided.get(node.id);
            if (v === SKIPPED) skipped = true;
            inputs.value = v;
          }
          if (skipped && !node.def.acceptsSkipped) {
            entry.status = "skipped";
            values.set(node.id, Object.fromEntries(Object.keys(node.outputs).map((k) => [k, SKIPPED])));
            return;
          }
          const key = keys?.get(node.id);
          const hit = key ? opts.cache!.get(key) : undefined;
          const recordSub = (sub: TSubTrace) => {
            entry.sub = sub;
          };
          const out = hit ?? (await node.def.execute(inputs, node.params as never, { nodeId: node.id, signal: controller.signal, models: opts.models, codecs, resolved: node.resolved, recordSub }));
          if (controller.signal.aborted) return;
          if (hit) {
            entry.cached = true;
            const sub = subTraces.get(hit);
            if (sub) entry.sub = sub;
          } else {
            if (entry.sub) subTraces.set(out, entry.sub);
            if (key) opts.cache!.set(key, out);
          }
          values.set(node.id, out);
          entry.outputs = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v === SKIPPED ? { type: "skipped" as const } : summarize(v)]));
        } catch (e) {
          if (controller.signal.aborted) return;
          entry.status = "error";
          entry.error = e instanceof Error ? e.message : String(e);
          const port = e instanceof NodeInputError ? e.port : undefined;
          fail(
            new RunError("NODE_FAILED", `Node '${node.id}' (${node.def.title}) failed${port ? ` on input '${port}'` : ""}: ${entry.error}`, {
              nodeId: node.id,
              ...(port ? { port } : {}),
              details: { nodeType: node.type, ...(e instanceof CodedNodeError ? { reason: e.code } : {}) },
              cause: e,
            }),
          );
        } finally {
          if (running.delete(entry) && entry.status !== "cancelled") entry.durationMs = ms(performance.now() - started);
        }
      };
      for (const n of plan.nodes.values()) if (remaining.get(n.id) === 0) start(n);
    });

    if (failure) throw failure;
    const outputs: Record<string, unknown> = {};
    for (const o of plan.outputs) {
      // A skipped output node has no value at all (its trace entry says skipped): the output is null.
      const v = values.get(o.nodeId)?.value;
      outputs[o.name] = v === SKIPPED || v === undefined ? null : v;
    }
    return { outputs, trace, durationMs: ms(performance.now() - t0) };
  } catch (e) {
    const err = e instanceof RunError ? e : new RunError("NODE_FAILED", (e as Error).message ?? String(e), { cause: e });
    err.trace = trace;
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onOuterAbort);
  }
}

function ms(v: number): number {
  return Math.round(v * 1000) / 1000;
}
