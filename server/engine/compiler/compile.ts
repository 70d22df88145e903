import type { TCompileEnv, TNodeDefinition, TNodeIssue, TPortSpec } from "../define-node.ts";
import { describeNode } from "../define-node.ts";
import type { TGraph } from "../graph/schema.ts";
import type { TRegistry } from "../registry.ts";
import { checkCompatible, formatKind, refineKind, type TKind } from "../types/kinds.ts";

export type TIssueCode =
  | "UNKNOWN_NODE_TYPE"
  | "INVALID_PARAMS"
  | "UNKNOWN_PORT"
  | "MISSING_INPUT"
  | "DUPLICATE_CONNECTION"
  | "KIND_MISMATCH"
  | "DTYPE_MISMATCH"
  | "SHAPE_MISMATCH"
  | "CYCLE"
  | "UNREACHABLE_NODE"
  | "UNCONNECTED_OUTPUT"
  | "DUPLICATE_NAME"
  | "NO_OUTPUTS"
  | "MISSING_MODEL"
  | (string & {});

export interface TCompileIssue {
  code: TIssueCode;
  severity: "error" | "warning";
  message: string;
  nodeId?: string;
  edgeId?: string;
  port?: string;
  /** zod path inside params, for INVALID_PARAMS. */
  path?: string;
  expected?: string;
  actual?: string;
}

export interface TPlanNode {
  id: string;
  type: string;
  def: TNodeDefinition<unknown>;
  params: unknown;
  /** input port → where its value comes from. */
  inputs: Record<string, { node: string; port: string }>;
  inputSpecs: Record<string, TPortSpec>;
  /** Output kinds after propagation. */
  outputs: Record<string, TKind>;
  resolved: unknown;
}

export interface TPlan {
  /** Topological order of the nodes that feed an output. */
  order: string[];
  nodes: Map<string, TPlanNode>;
  inputs: { name: string; nodeId: string; kind: TKind; required: boolean; default?: unknown }[];
  outputs: { name: string; nodeId: string; kind: TKind }[];
}

export interface TCompileResult {
  ok: boolean;
  issues: TCompileIssue[];
  /** Present when there is no error (warnings allowed). */
  plan?: TPlan;
  /** Port kinds per node after propagation, also for graphs with errors (the editor colours ports with them). */
  ports: Record<string, { inputs: Record<string, TKind>; outputs: Record<string, TKind> }>;
}

const INPUT_TYPE = /^io\/input@v\d+$/;
const OUTPUT_TYPE = /^io\/output@v\d+$/;

/**
 * Compile a graph: every issue at once, each naming its node/edge/port; a runnable plan when there are no
 * errors. Pure (no I/O) and linear in the graph size, so the editor can run it on every change.
 */
export function compile(graph: TGraph, registry: TRegistry, compileEnv: TCompileEnv): TCompileResult {
  const env: TCompileEnv = { ...compileEnv, registry };
  const issues: TCompileIssue[] = [];
  const err = (i: Omit<TCompileIssue, "severity">) => issues.push({ severity: "error", ...i });

  // 1. Node types, params, ports.
  // A node whose ports could not be described (bad params, missing model) is "opaque": edges touching it
  // are not checked, so one root cause does not fan out into a page of follow-up errors.
  const described = new Map<string, { def: TNodeDefinition<unknown>; params: unknown; inputs: Record<string, TPortSpec>; outputs: Record<string, TKind>; resolved: unknown; opaque: boolean }>();
  const opaque = new Set<string>();
  for (const n of graph.nodes) {
    const def = registry.get(n.type);
    if (!def) {
      opaque.add(n.id);
      err({ code: "UNKNOWN_NODE_TYPE", nodeId: n.id, message: `Node '${n.id}' has unknown type '${n.type}'.`, actual: n.type });
      continue;
    }
    const parsed = def.params.safeParse(n.params ?? {});
    if (!parsed.success) {
      for (const zi of parsed.error.issues) {
        const path = zi.path.join(".");
        err({ code: "INVALID_PARAMS", nodeId: n.id, path, message: `Node '${n.id}' (${def.title}): ${path ? `${path}: ` : ""}${zi.message}` });
      }
      opaque.add(n.id);
      continue;
    }
    const d = describeNode(def, parsed.data, env);
    for (const i of d.issues ?? []) pushNodeIssue(issues, n.id, i);
    const isOpaque = (d.issues ?? []).some((i) => (i.severity ?? "error") === "error");
    if (isOpaque) opaque.add(n.id);
    described.set(n.id, { def, params: parsed.data, inputs: d.inputs, outputs: d.outputs, resolved: d.resolved, opaque: isOpaque });
  }

  // 2. Edges: ports exist, one edge per input port.
  const incoming = new Map<string, Map<string, { node: string; port: string; edgeId: string }>>();
  const adjacency = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) {
    const s = described.get(e.source.node);
    const t = described.get(e.target.node);
    adjacency.get(e.source.node)?.push(e.target.node);
    if (opaque.has(e.target.node) || opaque.has(e.source.node)) {
      const into = incoming.get(e.target.node) ?? new Map();
      into.set(e.target.port, { node: e.source.node, port: e.source.port, edgeId: e.id });
      incoming.set(e.target.node, into);
      continue;
    }
    if (s && !(e.source.port in s.outputs)) {
      err({ code: "UNKNOWN_PORT", nodeId: e.source.node, edgeId: e.id, port: e.source.port, message: `Node '${e.source.node}' has no output '${e.source.port}' (it has: ${Object.keys(s.outputs).join(", ") || "none"}).` });
    }
    if (t && !(e.target.port in t.inputs)) {
      err({ code: "UNKNOWN_PORT", nodeId: e.target.node, edgeId: e.id, port: e.target.port, message: `Node '${e.target.node}' has no input '${e.target.port}' (it has: ${Object.keys(t.inputs).join(", ") || "none"}).` });
      continue;
    }
    const into = incoming.get(e.target.node) ?? new Map();
    if (into.has(e.target.port)) {
      err({ code: "DUPLICATE_CONNECTION", nodeId: e.target.node, edgeId: e.id, port: e.target.port, message: `Input '${e.target.port}' of node '${e.target.node}' is connected twice.` });
      continue;
    }
    into.set(e.target.port, { node: e.source.node, port: e.source.port, edgeId: e.id });
    incoming.set(e.target.node, into);
  }

  // 3. Cycles (Kahn): whatever cannot be ordered sits on or behind a cycle.
  const indegree = new Map(graph.nodes.map((n) => [n.id, 0]));
  for (const targets of adjacency.values()) for (const t of targets) indegree.set(t, (indegree.get(t) ?? 0) + 1);
  const queue = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const topo: string[] = [];
  while (queue.length) {
    const id = queue.shift()!;
    topo.push(id);
    for (const t of adjacency.get(id) ?? []) {
      const d = (indegree.get(t) ?? 0) - 1;
      indegree.set(t, d);
      if (d === 0) queue.push(t);
    }
  }
  if (topo.length < graph.nodes.length) {
    const ordered = new Set(topo);
    const stuck = graph.nodes.filter((n) => !ordered.has(n.id)).map((n) => n.id);
    const cycle = findCycle(stuck, adjacency);
    for (const id of cycle) err({ code: "CYCLE", nodeId: id, message: `Node '${id}' is part of a cycle: ${[...cycle, cycle[0]].join(" → ")}.` });
  }

  // 4. Kinds along edges, in topological order so outputs can be refined from actual inputs.
  const ports: TCompileResult["ports"] = {};
  for (const id of topo) {
    const d = described.get(id);
    if (!d || d.opaque) continue;
    const actual: Record<string, TKind | undefined> = {};
    for (const [port, spec] of Object.entries(d.inputs)) {
      const src = incoming.get(id)?.get(port);
      if (!src) {
        if (!spec.optional) {
          const isOutput = OUTPUT_TYPE.test(d.def.type);
          err({
            code: isOutput ? "UNCONNECTED_OUTPUT" : "MISSING_INPUT",
            nodeId: id,
            port,
            message: isOutput ? `Output node '${id}' is not connected to anything.` : `Input '${port}' of node '${id}' (${d.def.title}) is not connected.`,
            expected: formatKind(spec.kind),
          });
        }
        continue;
      }
      // Unknown upstream kind (an opaque node): nothing to check here.
      const from = ports[src.node]?.outputs[src.port];
      if (!from) continue;
      actual[port] = from;
      const mismatch = checkCompatible(from, spec.kind);
      if (mismatch) {
        err({
          code: mismatch.code,
          nodeId: id,
          edgeId: src.edgeId,
          port,
          message: `Input '${port}' of node '${id}' (${d.def.title}): ${mismatch.message} — it comes from '${src.node}.${src.port}'.`,
          expected: formatKind(spec.kind),
          actual: formatKind(from),
        });
      }
    }
    let outputs = d.outputs;
    if (d.def.infer) {
      const r = d.def.infer({ params: d.params, inputs: actual, outputs, env });
      for (const i of r.issues ?? []) pushNodeIssue(issues, id, i);
      if (r.outputs) outputs = { ...outputs, ...r.outputs };
    }
    d.outputs = outputs;
    ports[id] = { inputs: Object.fromEntries(Object.entries(d.inputs).map(([k, v]) => [k, refineKind(v.kind, actual[k])])), outputs };
  }

  /**
   * What a pipeline input really accepts: its declared kind, narrowed by the tensor ports it feeds (an
   * input declared `tensor` that feeds a model's float32[batch,4] accepts float32[?,4]). Callers are told
   * this (OIP metadata, OpenAPI, the test-run form) and values are checked against it before anything runs.
   */
  function acceptedKind(nodeId: string, declared: TKind): TKind {
    if (declared.kind !== "tensor" && declared.kind !== "any") return declared;
    const specs: TKind[] = [];
    for (const e of graph.edges) {
      if (e.source.node !== nodeId || e.source.port !== "value") continue;
      const spec = opaque.has(e.target.node) ? undefined : described.get(e.target.node)?.inputs[e.target.port]?.kind;
      if (!spec || spec.kind !== "tensor") return declared; // a consumer that takes more than tensors: keep it general
      specs.push(spec);
    }
    return specs.reduce<TKind>((acc, spec) => narrowTensor(acc, spec), declared);
  }

  // 5. Pipeline inputs/outputs: unique names, at least one output; nodes that feed no output.
  const ins: TPlan["inputs"] = [];
  const outs: TPlan["outputs"] = [];
  const names = { input: new Map<string, string>(), output: new Map<string, string>() };
  for (const n of graph.nodes) {
    const d = described.get(n.id);
    if (!d) continue;
    const side = INPUT_TYPE.test(n.type) ? "input" : OUTPUT_TYPE.test(n.type) ? "output" : null;
    if (!side) continue;
    const p = d.params as { name: string; required?: boolean; default?: unknown };
    const first = names[side].get(p.name);
    if (first) {
      err({ code: "DUPLICATE_NAME", nodeId: n.id, message: `Pipeline ${side} name '${p.name}' is used by both '${first}' and '${n.id}'.`, actual: p.name });
      continue;
    }
    names[side].set(p.name, n.id);
    if (side === "input") ins.push({ name: p.name, nodeId: n.id, kind: acceptedKind(n.id, d.outputs.value ?? { kind: "any" }), required: p.required ?? true, ...(p.default !== undefined ? { default: p.default } : {}) });
    else outs.push({ name: p.name, nodeId: n.id, kind: ports[n.id]?.inputs.value ?? { kind: "any" } });
  }
  if (outs.length === 0 && graph.nodes.length > 0) err({ code: "NO_OUTPUTS", message: "The pipeline has no output node, so it returns nothing." });

  const feeding = new Set<string>();
  const stack = outs.map((o) => o.nodeId);
  while (stack.length) {
    const id = stack.pop()!;
    if (feeding.has(id)) continue;
    feeding.add(id);
    for (const src of incoming.get(id)?.values() ?? []) stack.push(src.node);
  }
  if (outs.length > 0) {
    for (const n of graph.nodes) {
      if (!feeding.has(n.id)) issues.push({ severity: "warning", code: "UNREACHABLE_NODE", nodeId: n.id, message: `Node '${n.id}' does not feed any output; it will not run.` });
    }
  }

  const ok = !issues.some((i) => i.severity === "error");
  if (!ok) return { ok, issues, ports };
  const nodes = new Map<string, TPlanNode>();
  for (const id of topo) {
    const d = described.get(id)!;
    if (!feeding.has(id)) continue;
    nodes.set(id, {
      id,
      type: d.def.type,
      def: d.def,
      params: d.params,
      inputs: Object.fromEntries([...(incoming.get(id)?.entries() ?? [])].map(([port, src]) => [port, { node: src.node, port: src.port }])),
      inputSpecs: d.inputs,
      outputs: d.outputs,
      resolved: d.resolved,
    });
  }
  return { ok, issues, ports, plan: { order: [...nodes.keys()], nodes, inputs: ins, outputs: outs } };
}

function pushNodeIssue(issues: TCompileIssue[], nodeId: string, i: TNodeIssue) {
  issues.push({
    code: i.code,
    severity: i.severity ?? "error",
    nodeId,
    message: i.message,
    ...(i.port !== undefined ? { port: i.port } : {}),
    ...(i.expected !== undefined ? { expected: i.expected } : {}),
    ...(i.actual !== undefined ? { actual: i.actual } : {}),
  });
}

/** One cycle among the nodes Kahn could not order (some may only sit downstream of a cycle). */
function findCycle(stuck: string[], adjacency: Map<string, string[]>): string[] {
  const inStuck = new Set(stuck);
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    state.set(id, 1);
    path.push(id);
    for (const t of adjacency.get(id) ?? []) {
      if (!inStuck.has(t)) continue;
      if (state.get(t) === 1) return path.slice(path.indexOf(t));
      if (!state.has(t)) {
        const c = visit(t);
        if (c) return c;
      }
    }
    path.pop();
    state.set(id, 2);
    return null;
  };
  for (const id of stuck) {
    if (!state.has(id)) {
      const c = visit(id);
      if (c) return c;
    }
  }
  return stuck;
}

/** The more specific of two compatible tensor kinds, dim by dim (a fixed size beats a symbol or unknown). */
function narrowTensor(a: TKind, b: TKind): TKind {
  if (b.kind !== "tensor") return a;
  if (a.kind === "any") return b;
  if (a.kind !== "tensor") return a;
  const dtype = a.dtype === "any" ? b.dtype : a.dtype;
  if (!a.shape || !b.shape || a.shape.length !== b.shape.length) return { kind: "tensor", dtype, shape: a.shape ?? b.shape };
  const bs = b.shape;
  return { kind: "tensor", dtype, shape: a.shape.map((d, i) => (typeof d === "number" ? d : typeof bs[i] === "number" ? bs[i]! : d ?? bs[i] ?? null)) };
}
