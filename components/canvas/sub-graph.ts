import type { Viewport } from "@xyflow/react";
import { graphFromFlow, toFlow } from "./graph-doc";
import type { TFlowEdge, TFlowNode, TGraph, TLayout, TTraceEntry } from "./types";

/**
 * Editing the sub-graph of a list/map or list/scan node in the same canvas. The canvas always shows one
 * level; the levels above it are kept as they were when it was opened (they cannot change while it is
 * open), and the document — what is saved, diffed, exported and run — is composed from them: the opened
 * node's `params.graph` is the inner canvas. Inner positions live in the pipeline's one layout under
 * path keys (`map/crop`, `map/inner/norm`): node ids never contain '/', and moving an inner node changes
 * the layout only, never the graph or its hash.
 */
export interface TLevel {
  /** The node opened from this level. */
  nodeId: string;
  type: string;
  /** "map: lines" in the breadcrumb. */
  title: string;
  nodes: TFlowNode[];
  edges: TFlowEdge[];
  viewport: Viewport;
}

const SUB_GRAPH = /^list\/(map|scan)@v\d+$/;

export function hasSubGraph(type: string): boolean {
  return SUB_GRAPH.test(type);
}

export function levelTitle(type: string, id: string, label: string | undefined): string {
  return `${type.startsWith("list/scan@") ? "scan" : "map"}: ${label || id}`;
}

/** The body a For each / For each with state node starts with: the element in, one list out (and the state). */
export function starterSubGraph(type: string): TGraph {
  const item = { id: "item", type: "io/input@v1", params: { name: "item", kind: { kind: "json" } }, label: "Element" };
  if (type.startsWith("list/scan@")) {
    return {
      schemaVersion: 1,
      nodes: [item, { id: "state", type: "io/input@v1", params: { name: "state", kind: { kind: "json" } }, label: "State" }, { id: "next", type: "io/output@v1", params: { name: "state" }, label: "Next state" }, { id: "result", type: "io/output@v1", params: { name: "result" } }],
      edges: [
        { id: "e1", source: { node: "state", port: "value" }, target: { node: "next", port: "value" } },
        { id: "e2", source: { node: "item", port: "value" }, target: { node: "result", port: "value" } },
      ],
    };
  }
  return {
    schemaVersion: 1,
    nodes: [item, { id: "result", type: "io/output@v1", params: { name: "result" } }],
    edges: [{ id: "e1", source: { node: "item", port: "value" }, target: { node: "result", port: "value" } }],
  };
}

function subGraphOf(node: TFlowNode): TGraph {
  const g = node.data.params.graph as TGraph | undefined;
  return g && typeof g === "object" && Array.isArray(g.nodes) && Array.isArray(g.edges) ? g : starterSubGraph(node.data.type);
}

function itemNames(node: TFlowNode): { item: string; state: string | null } {
  const p = node.data.params;
  return { item: typeof p.item === "string" ? p.item : "item", state: node.data.type.startsWith("list/scan@") ? (typeof p.state === "string" ? p.state : "state") : null };
}

/**
 * The opened node's body as canvas nodes. The Inputs that receive the element (and the state) and the
 * state Output are fixed boundary nodes (not deletable); other Inputs are shared ports, Outputs list outputs.
 */
export function openSubGraph(node: TFlowNode, prefix: string, layout: TLayout["nodes"]): { nodes: TFlowNode[]; edges: TFlowEdge[]; missing: boolean } {
  const graph = subGraphOf(node);
  const positions = Object.fromEntries(graph.nodes.flatMap((n) => (layout[`${prefix}${n.id}`] ? [[n.id, layout[`${prefix}${n.id}`]!]] : [])));
  const flow = toFlow(graph, { nodes: positions });
  const { item, state } = itemNames(node);
  const nodes = flow.nodes.map((n): TFlowNode => {
    const name = String(n.data.params.name ?? "");
    const input = n.data.type.startsWith("io/input@");
    const output = n.data.type.startsWith("io/output@");
    const boundary = input && name === item ? "element" : input && name === state ? "state in" : output && name === state ? "next state" : input ? "shared" : output ? "list out" : undefined;
    const fixed = boundary === "element" || boundary === "state in" || boundary === "next state";
    return { ...n, ...(fixed ? { deletable: false } : {}), data: { ...n.data, ...(boundary ? { boundary } : {}) } };
  });
  return { nodes, edges: flow.edges, missing: graph.nodes.some((n) => !positions[n.id]) };
}

/** The parent level with the opened node's body replaced by the inner canvas. */
export function closeInto(level: TLevel, nodes: readonly TFlowNode[], edges: readonly TFlowEdge[]): TFlowNode[] {
  const graph = graphFromFlow(nodes, edges);
  return level.nodes.map((n) => (n.id === level.nodeId ? { ...n, data: { ...n.data, params: { ...n.data.params, graph } } } : n));
}

/** The root level's nodes and edges, with every open level folded back into its node's params. */
export function composeRoot(levels: readonly TLevel[], nodes: TFlowNode[], edges: TFlowEdge[]): { nodes: TFlowNode[]; edges: TFlowEdge[] } {
  let cur = { nodes, edges };
  for (let i = levels.length - 1; i >= 0; i--) cur = { nodes: closeInto(levels[i]!, cur.nodes, cur.edges), edges: levels[i]!.edges };
  return cur;
}

export function pathPrefix(levels: readonly TLevel[]): string {
  return levels.map((l) => `${l.nodeId}/`).join("");
}

/**
 * The whole layout: root positions, the open level's under its path, and the kept positions of closed
 * sub-graphs — only those whose path still leads to a node (a deleted map takes its inner layout with it).
 */
export function composeLayout(root: readonly TFlowNode[], levels: readonly TLevel[], current: readonly TFlowNode[], kept: TLayout["nodes"]): TLayout {
  const prefix = pathPrefix(levels);
  const nodes: TLayout["nodes"] = {};
  const entries = Object.entries(kept);
  if (entries.length) {
    const valid = new Set<string>();
    for (const n of root) if (hasSubGraph(n.data.type)) validKeys(n.data.params.graph as TGraph | undefined, `${n.id}/`, valid);
    for (const [k, p] of entries) if (valid.has(k)) nodes[k] = p;
  }
  if (prefix) for (const n of current) nodes[`${prefix}${n.id}`] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  for (const n of root) nodes[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  return { nodes };
}

/** Every layout key the nodes of a sub-graph (and of the sub-graphs in it) can have: `map/crop`, `map/inner/norm`… */
function validKeys(graph: TGraph | undefined, prefix: string, out: Set<string>): void {
  if (!graph || !Array.isArray(graph.nodes)) return;
  for (const n of graph.nodes) {
    out.add(`${prefix}${n.id}`);
    if (hasSubGraph(n.type)) validKeys(n.params.graph as TGraph | undefined, `${prefix}${n.id}/`, out);
  }
}

/** Layout entries of sub-graphs (keys with a '/'), as kept while their levels are closed. */
export function subLayoutsOf(layout: TLayout | undefined): TLayout["nodes"] {
  return Object.fromEntries(Object.entries(layout?.nodes ?? {}).filter(([k]) => k.includes("/")));
}

export interface TSubRun {
  /** How many elements the list had, and which of them have a recorded trace (the first few). */
  count: number;
  indices: number[];
  element: number;
  byNode: Record<string, TTraceEntry>;
}

/**
 * What the open level's nodes did for the chosen element of every level, from the root run's trace; null
 * when the path has no recorded sub-trace (not run yet, or the map failed before it).
 */
export function subRunAt(rootByNode: Record<string, TTraceEntry>, levels: readonly TLevel[], chosen: Record<string, number>): TSubRun | null {
  let byNode = rootByNode;
  let result: TSubRun | null = null;
  let path = "";
  for (const l of levels) {
    path += `${l.nodeId}/`;
    const sub = byNode[l.nodeId]?.sub;
    if (!sub || !sub.elements.length) return null;
    const want = chosen[path] ?? sub.elements[0]!.index;
    const el = sub.elements.find((e) => e.index === want) ?? sub.elements[0]!;
    byNode = el.nodes;
    result = { count: sub.count, indices: sub.elements.map((e) => e.index), element: el.index, byNode };
  }
  return result;
}
