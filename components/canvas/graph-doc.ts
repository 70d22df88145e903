import type { TCatalogEntry, TFlowEdge, TFlowNode, TGraph, TGraphNode, TJsonValue, TLayout, TParams } from "./types";

/** Graph + layout ↔ React Flow nodes/edges. Ports are handles named after the port. */
export function toFlow(graph: TGraph, layout: TLayout | undefined): { nodes: TFlowNode[]; edges: TFlowEdge[] } {
  const nodes: TFlowNode[] = graph.nodes.map((n, i) => ({
    id: n.id,
    type: "step",
    position: layout?.nodes[n.id] ?? { x: (i % 5) * 280, y: Math.floor(i / 5) * 180 },
    data: { type: n.type, params: n.params ?? {}, ...(n.label !== undefined ? { label: n.label } : {}) },
  }));
  const edges: TFlowEdge[] = graph.edges.map((e) => ({ id: e.id, source: e.source.node, sourceHandle: e.source.port, target: e.target.node, targetHandle: e.target.port }));
  return { nodes, edges };
}

export function graphFromFlow(nodes: readonly TFlowNode[], edges: readonly TFlowEdge[]): TGraph {
  return { schemaVersion: 1, nodes: nodes.map(graphNodeOf), edges: edges.map(graphEdgeOf) };
}

function graphNodeOf(n: TFlowNode): TGraphNode {
  return { id: n.id, type: n.data.type, params: n.data.params, ...(n.data.label ? { label: n.data.label } : {}) };
}

function graphEdgeOf(e: TFlowEdge): TGraph["edges"][number] {
  return { id: e.id, source: { node: e.source, port: e.sourceHandle ?? "" }, target: { node: e.target, port: e.targetHandle ?? "" } };
}

// Stable JSON of each node's and edge's graph entry, cached by the object it comes from. Nodes and edges
// are immutable, and React Flow keeps a node's `data` when it is moved, measured or selected: only what
// was edited is serialised again.
const nodeJson = new WeakMap<object, { id: string; json: string }>();
const edgeJson = new WeakMap<object, string>();

/**
 * `stableJson(graphFromFlow(nodes, edges))`, built from cached pieces: the canvas derives it on every
 * change of its nodes (each frame of a drag included), and a 200-node graph is too big to serialise that often.
 */
export function graphKeyOf(nodes: readonly TFlowNode[], edges: readonly TFlowEdge[]): string {
  const ns = nodes.map((n) => {
    const hit = nodeJson.get(n.data);
    if (hit && hit.id === n.id) return hit.json;
    const json = stableJson(graphNodeOf(n));
    nodeJson.set(n.data, { id: n.id, json });
    return json;
  });
  const es = edges.map((e) => {
    let json = edgeJson.get(e);
    if (json === undefined) {
      json = stableJson(graphEdgeOf(e));
      edgeJson.set(e, json);
    }
    return json;
  });
  // Keys in stableJson's (sorted) order.
  return `{"edges":[${es.join(",")}],"nodes":[${ns.join(",")}],"schemaVersion":1}`;
}

export function layoutFromFlow(nodes: readonly TFlowNode[]): TLayout {
  return { nodes: Object.fromEntries(nodes.map((n) => [n.id, { x: Math.round(n.position.x), y: Math.round(n.position.y) }])) };
}

/** "tabular/standard-scale@v1" → "standard-scale". */
export function baseName(type: string): string {
  const name = type.slice(type.indexOf("/") + 1);
  return name.includes("@") ? name.slice(0, name.indexOf("@")) : name;
}

export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  const clean = base.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 56) || "node";
  if (!taken.has(clean)) return clean;
  for (let i = 2; ; i++) if (!taken.has(`${clean}-${i}`)) return `${clean}-${i}`;
}

export function uniqueEdgeId(taken: ReadonlySet<string>): string {
  for (let i = taken.size + 1; ; i++) if (!taken.has(`e${i}`)) return `e${i}`;
}

function uniqueIoName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

/**
 * Params for a node added from the palette: required strings and lists start empty, everything with a
 * default is left out (the server applies defaults). Pipeline inputs/outputs get a free name so they are
 * valid — and have ports — at once.
 */
export function initialParams(entry: TCatalogEntry, existing: readonly TGraphNode[]): TParams {
  const schema = entry.paramsSchema as { properties?: Record<string, { type?: unknown; default?: unknown }>; required?: string[] };
  const params: TParams = {};
  for (const key of schema.required ?? []) {
    const prop = schema.properties?.[key];
    if (!prop || prop.default !== undefined) continue;
    if (prop.type === "string") params[key] = "";
    else if (prop.type === "array") params[key] = [];
  }
  if (/^io\/(input|output)@/.test(entry.type)) {
    const side = entry.type.startsWith("io/input") ? "input" : "output";
    const taken = new Set(existing.filter((n) => n.type.startsWith(`io/${side}@`)).map((n) => String(n.params.name ?? "")));
    params.name = uniqueIoName(side, taken);
  }
  if (entry.type.startsWith("model/onnx@")) params.version = 1;
  return params;
}

/** Is `to` reachable from `from` along edges? (Adding from→to would then close a cycle.) */
export function pathBetween(edges: readonly { source: string; target: string }[], from: string, to: string): string[] | null {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.source);
    if (list) list.push(e.target);
    else next.set(e.source, [e.target]);
  }
  const prev = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length) {
    const id = queue.shift()!;
    if (id === to) {
      const path = [to];
      let cur = to;
      while (cur !== from) {
        cur = prev.get(cur)!;
        path.unshift(cur);
      }
      return path;
    }
    for (const t of next.get(id) ?? []) {
      if (seen.has(t)) continue;
      seen.add(t);
      prev.set(t, id);
      queue.push(t);
    }
  }
  return null;
}

/** Stable JSON (sorted keys): what "the same graph" means for dirty checks and diffs. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

/** What the clipboard carries between canvases (and pipelines): a sub-graph with its layout. */
export interface TClipboard {
  inferline: "nodes";
  nodes: TGraphNode[];
  edges: TGraph["edges"];
  layout: Record<string, { x: number; y: number }>;
}

export function toClipboard(nodes: readonly TFlowNode[], edges: readonly TFlowEdge[]): TClipboard {
  const ids = new Set(nodes.map((n) => n.id));
  const g = graphFromFlow(
    nodes,
    edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
  );
  return { inferline: "nodes", nodes: g.nodes, edges: g.edges, layout: layoutFromFlow(nodes).nodes };
}

export function parseClipboard(text: string): TClipboard | null {
  try {
    const v = JSON.parse(text) as Partial<TClipboard>;
    if (v && v.inferline === "nodes" && Array.isArray(v.nodes) && Array.isArray(v.edges)) return { inferline: "nodes", nodes: v.nodes, edges: v.edges, layout: v.layout ?? {} };
  } catch {
    // not ours
  }
  return null;
}

/** Pasted nodes get fresh ids (and io names) so they never clash with what is on the canvas. */
export function instantiateClipboard(
  clip: TClipboard,
  existingNodes: readonly TFlowNode[],
  existingEdges: readonly TFlowEdge[],
  offset: { x: number; y: number },
): { nodes: TFlowNode[]; edges: TFlowEdge[] } {
  const taken = new Set(existingNodes.map((n) => n.id));
  const edgeIds = new Set(existingEdges.map((e) => e.id));
  const ioNames = { input: new Set<string>(), output: new Set<string>() };
  for (const n of existingNodes) {
    const side = n.data.type.startsWith("io/input@") ? "input" : n.data.type.startsWith("io/output@") ? "output" : null;
    if (side) ioNames[side].add(String(n.data.params.name ?? ""));
  }
  const rename = new Map<string, string>();
  const minX = Math.min(...clip.nodes.map((n) => clip.layout[n.id]?.x ?? 0));
  const minY = Math.min(...clip.nodes.map((n) => clip.layout[n.id]?.y ?? 0));
  const nodes: TFlowNode[] = clip.nodes.map((n) => {
    const id = uniqueId(n.id, taken);
    taken.add(id);
    rename.set(n.id, id);
    const params = { ...(n.params ?? {}) } as TParams;
    const side = n.type.startsWith("io/input@") ? "input" : n.type.startsWith("io/output@") ? "output" : null;
    if (side && typeof params.name === "string") {
      params.name = uniqueIoName(params.name, ioNames[side]) as TJsonValue;
      ioNames[side].add(params.name as string);
    }
    const p = clip.layout[n.id] ?? { x: 0, y: 0 };
    return { id, type: "step", position: { x: p.x - minX + offset.x, y: p.y - minY + offset.y }, selected: true, data: { type: n.type, params, ...(n.label ? { label: n.label } : {}) } };
  });
  const edges: TFlowEdge[] = [];
  for (const e of clip.edges) {
    const s = rename.get(e.source.node);
    const t = rename.get(e.target.node);
    if (!s || !t) continue;
    const id = uniqueEdgeId(edgeIds);
    edgeIds.add(id);
    edges.push({ id, source: s, sourceHandle: e.source.port, target: t, targetHandle: e.target.port });
  }
  return { nodes, edges };
}
