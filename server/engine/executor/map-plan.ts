import type { TPlan, TPlanNode } from "../compiler/compile.ts";
import type { TExecContext } from "../define-node.ts";
import { CodedNodeError, NodeInputError } from "../errors.ts";
import { allocate, isTensor, makeTensor, sizeOf, type TAnyTensor, type TDataTypeMap, type TDtype } from "../values/tensor.ts";
import { ELEMENT_TRACE_LIMIT, SKIPPED, type TSubTrace, type TTraceEntry } from "./execute.ts";
import { summarize } from "./summary.ts";

export interface TMapRunOptions {
  /** Sub-plan input node id → value per element (the items) or one value for all (broadcast). */
  inputs: Map<string, { each: readonly unknown[] } | { all: unknown }>;
  count: number;
  /** Run batchable nodes once on inputs concatenated along dim 0, when the elements' shapes allow. */
  batch: boolean;
  ctx: TExecContext;
  /** Where element `e`'s inner trace entries go (by inner node id), or undefined when `e` is not traced. */
  trace?: ((element: number) => Record<string, TTraceEntry> | undefined) | undefined;
}

/** A sub-trace being filled for the first ELEMENT_TRACE_LIMIT elements, and the `trace` option that fills it. */
export function elementTraces(count: number): { sub: TSubTrace; at: (element: number) => Record<string, TTraceEntry> | undefined } {
  const sub: TSubTrace = { count, elements: [] };
  const at = (e: number) => {
    if (e >= ELEMENT_TRACE_LIMIT) return undefined;
    let el = sub.elements.find((x) => x.index === e);
    if (!el) sub.elements.push((el = { index: e, nodes: {} }));
    return el.nodes;
  };
  return { sub, at };
}

export interface TMapRunResult {
  /** Output name → one value per element (null where the element's branch was skipped). */
  outputs: Record<string, unknown[]>;
  /** Node id → how it ran: batched calls, per-element calls, elements skipped. */
  stats: Record<string, { batched: number; single: number; skipped: number }>;
}

/**
 * Runs a compiled sub-plan for every element of a list, one node at a time across all elements (the plan's
 * topological order), so that the calls of a batchable node (a model) meet: when every element's tensors
 * for it agree in dtype and in all dims but the first, the node runs once on their concatenation and its
 * outputs are split back per element. Otherwise the elements run side by side. The first failure stops
 * the map, naming the element and the inner node.
 */
export async function runMapPlan(plan: TPlan, opts: TMapRunOptions): Promise<TMapRunResult> {
  const { count, ctx } = opts;
  const t0 = performance.now();
  const since = (t: number) => Math.round((t - t0) * 1000) / 1000;
  const values: Map<string, Record<string, unknown>>[] = Array.from({ length: count }, () => new Map());
  const stats: TMapRunResult["stats"] = {};
  const inputIds = new Set(plan.inputs.map((i) => i.nodeId));

  for (const id of plan.order) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const node = plan.nodes.get(id)!;
    const s = (stats[id] = { batched: 0, single: 0, skipped: 0 });
    const perElement: (Record<string, unknown> | null)[] = [];
    for (let e = 0; e < count; e++) {
      const inputs: Record<string, unknown> = {};
      let skipped = false;
      for (const [port, src] of Object.entries(node.inputs)) {
        const v = values[e]!.get(src.node)?.[src.port];
        if (v === SKIPPED) skipped = true;
        inputs[port] = v;
      }
      if (inputIds.has(id)) {
        const given = opts.inputs.get(id);
        const v = given === undefined ? SKIPPED : "each" in given ? given.each[e] : given.all;
        if (v === SKIPPED) skipped = true;
        inputs.value = v;
      }
      if (skipped && !node.def.acceptsSkipped) {
        values[e]!.set(id, Object.fromEntries(Object.keys(node.outputs).map((k) => [k, SKIPPED])));
        s.skipped++;
        perElement.push(null);
        const at = opts.trace?.(e);
        if (at) at[id] = { nodeId: id, type: node.type, status: "skipped", start: since(performance.now()), durationMs: 0 };
      } else perElement.push(inputs);
    }
    const live = perElement.flatMap((inputs, e) => (inputs ? [{ e, inputs }] : []));
    if (live.length === 0) continue;

    const started = performance.now();
    const batched = opts.batch && node.def.batchable && live.length > 1 ? await tryBatched(node, live, ctx) : null;
    if (batched) {
      s.batched++;
      const durationMs = since(performance.now()) - since(started);
      batched.forEach((out, k) => {
        values[live[k]!.e]!.set(id, out);
        const at = opts.trace?.(live[k]!.e);
        if (at) at[id] = { nodeId: id, type: node.type, status: "ok", start: since(started), durationMs, batched: true, outputs: summaries(out) };
      });
      continue;
    }
    s.single += live.length;
    const outs = await Promise.all(live.map(({ e, inputs }) => runOne(node, inputs, e, ctx, opts.trace?.(e), since)));
    outs.forEach((out, k) => values[live[k]!.e]!.set(id, out));
  }

  const outputs: Record<string, unknown[]> = {};
  for (const o of plan.outputs) {
    outputs[o.name] = values.map((v) => {
      const x = v.get(o.nodeId)?.value;
      return x === SKIPPED || x === undefined ? null : x;
    });
  }
  return { outputs, stats };
}

function summaries(out: Record<string, unknown>): TTraceEntry["outputs"] {
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v === SKIPPED ? { type: "skipped" as const } : summarize(v)]));
}

/** One element's call of an inner node; with `at`, its trace entry (and a nested sub-graph's own) is kept. */
async function runOne(
  node: TPlanNode,
  inputs: Record<string, unknown>,
  element: number,
  ctx: TExecContext,
  at: Record<string, TTraceEntry> | undefined,
  since: (t: number) => number,
): Promise<Record<string, unknown>> {
  const started = performance.now();
  const entry: TTraceEntry | undefined = at ? (at[node.id] = { nodeId: node.id, type: node.type, status: "ok", start: since(started), durationMs: 0 }) : undefined;
  const recordSub = entry
    ? (sub: TSubTrace) => {
        entry.sub = sub;
      }
    : undefined;
  try {
    const out = await node.def.execute(inputs, node.params as never, { ...ctx, nodeId: `${ctx.nodeId}/${node.id}`, resolved: node.resolved, recordSub });
    if (entry) entry.outputs = summaries(out);
    return out;
  } catch (e) {
    if (entry) {
      entry.status = "error";
      entry.error = e instanceof Error ? e.message : String(e);
    }
    throw elementError(e, node, element);
  } finally {
    if (entry) entry.durationMs = since(performance.now()) - entry.start;
  }
}

/** An inner failure as the map's own: which element, which inner node, the original message and code. */
function elementError(e: unknown, node: TPlanNode, element: number): Error {
  const inner = e instanceof Error ? e.message : String(e);
  const port = e instanceof NodeInputError && e.port ? ` on input '${e.port}'` : "";
  const message = `element ${element}, node '${node.id}' (${node.def.title})${port}: ${inner}`;
  if (e instanceof CodedNodeError) return new CodedNodeError(e.code, message, "items");
  if (e instanceof NodeInputError) return new NodeInputError(message, "items");
  return new Error(message, { cause: e });
}

/**
 * One call on the elements' tensors concatenated along dim 0, split back by each element's own dim 0; null
 * when the inputs cannot be concatenated (not tensors, other dtypes or trailing dims, a fixed first dim), the
 * batched call fails, or its outputs cannot be split (their first dim is not the total).
 */
async function tryBatched(node: TPlanNode, live: { e: number; inputs: Record<string, unknown> }[], ctx: TExecContext): Promise<Record<string, unknown>[] | null> {
  const ports = Object.keys(live[0]!.inputs);
  const rows: number[] = [];
  for (const port of ports) {
    // A fixed first dim (a model exported for batch 1) cannot take a batch.
    const declared = node.inputSpecs[port]?.kind;
    if (declared?.kind === "tensor" && typeof declared.shape?.[0] === "number") return null;
    const first = live[0]!.inputs[port];
    if (!isTensor(first) || first.shape.length === 0) return null;
    for (const [k, { inputs }] of live.entries()) {
      const t = inputs[port];
      if (!isTensor(t) || t.dtype !== first.dtype || t.shape.length !== first.shape.length || t.shape.some((d, i) => i > 0 && d !== first.shape[i])) return null;
      if (rows[k] === undefined) rows[k] = t.shape[0]!;
      else if (rows[k] !== t.shape[0]) return null;
    }
  }
  const total = rows.reduce((a, b) => a + b, 0);
  const feeds = Object.fromEntries(ports.map((port) => [port, concat0(live.map((l) => l.inputs[port] as TAnyTensor))]));
  let out: Record<string, unknown>;
  try {
    out = await node.def.execute(feeds, node.params as never, { ...ctx, nodeId: `${ctx.nodeId}/${node.id}`, resolved: node.resolved });
  } catch (e) {
    // A cancelled run stops here; any other failure is retried element by element, which names the culprit.
    if (ctx.signal.aborted) throw e;
    return null;
  }
  if (!Object.values(out).every((v) => isTensor(v) && v.shape[0] === total)) return null;
  const split: Record<string, unknown>[] = live.map(() => ({}));
  for (const [name, v] of Object.entries(out)) {
    let at = 0;
    rows.forEach((n, k) => {
      split[k]![name] = slice0(v as TAnyTensor, at, n);
      at += n;
    });
  }
  return split;
}

function concat0(ts: TAnyTensor[]): TAnyTensor {
  const first = ts[0]!;
  const rows = ts.reduce((a, t) => a + t.shape[0]!, 0);
  const shape = [rows, ...first.shape.slice(1)];
  const data = allocate(first.dtype, sizeOf(shape)) as TDataTypeMap[TDtype];
  let at = 0;
  for (const t of ts) {
    if (Array.isArray(data)) (t.data as string[]).forEach((v, i) => (data[at + i] = v));
    else (data as Exclude<TDataTypeMap[TDtype], string[]>).set(t.data as never, at);
    at += t.data.length;
  }
  return makeTensor(first.dtype, shape, data) as TAnyTensor;
}

function slice0(t: TAnyTensor, start: number, n: number): TAnyTensor {
  const row = sizeOf(t.shape.slice(1));
  const data = Array.isArray(t.data) ? t.data.slice(start * row, (start + n) * row) : (t.data as Exclude<TDataTypeMap[TDtype], string[]>).slice(start * row, (start + n) * row);
  return makeTensor(t.dtype, [n, ...t.shape.slice(1)], data as TDataTypeMap[TDtype]) as TAnyTensor;
}
