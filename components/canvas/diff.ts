import { jsonEqual, stableJson } from "./graph-doc";
import type { TGraph, TGraphNode, TJsonValue } from "./types";

export interface TParamChange {
  /** "params.<key>", "label" or "type". */
  field: string;
  before: TJsonValue | undefined;
  after: TJsonValue | undefined;
}

export interface TGraphDiff {
  added: TGraphNode[];
  removed: TGraphNode[];
  changed: { id: string; node: TGraphNode; changes: TParamChange[] }[];
  edgesAdded: TGraph["edges"];
  edgesRemoved: TGraph["edges"];
}

const edgeKey = (e: TGraph["edges"][number]) => `${e.source.node}.${e.source.port}→${e.target.node}.${e.target.port}`;

/**
 * What changed from graph `a` to graph `b`: nodes by id, params key by key, edges by their endpoints
 * (edge ids are incidental). Layout is not looked at: moving a node is not a change.
 */
export function diffGraphs(a: TGraph, b: TGraph): TGraphDiff {
  const before = new Map(a.nodes.map((n) => [n.id, n]));
  const after = new Map(b.nodes.map((n) => [n.id, n]));
  const added = b.nodes.filter((n) => !before.has(n.id));
  const removed = a.nodes.filter((n) => !after.has(n.id));
  const changed: TGraphDiff["changed"] = [];
  for (const n of b.nodes) {
    const old = before.get(n.id);
    if (!old) continue;
    const changes: TParamChange[] = [];
    if (old.type !== n.type) changes.push({ field: "type", before: old.type, after: n.type });
    if ((old.label ?? "") !== (n.label ?? "")) changes.push({ field: "label", before: old.label, after: n.label });
    const keys = [...new Set([...Object.keys(old.params ?? {}), ...Object.keys(n.params ?? {})])].sort();
    for (const k of keys) {
      const x = old.params?.[k];
      const y = n.params?.[k];
      if (!jsonEqual(x ?? null, y ?? null)) changes.push({ field: `params.${k}`, before: x, after: y });
    }
    if (changes.length) changed.push({ id: n.id, node: n, changes });
  }
  const ea = new Set(a.edges.map(edgeKey));
  const eb = new Set(b.edges.map(edgeKey));
  return {
    added,
    removed,
    changed,
    edgesAdded: b.edges.filter((e) => !ea.has(edgeKey(e))),
    edgesRemoved: a.edges.filter((e) => !eb.has(edgeKey(e))),
  };
}

export function diffIsEmpty(d: TGraphDiff): boolean {
  return !d.added.length && !d.removed.length && !d.changed.length && !d.edgesAdded.length && !d.edgesRemoved.length;
}

export { edgeKey };

/** A short, readable rendering of a param value for the diff list. */
export function showValue(v: TJsonValue | undefined): string {
  if (v === undefined) return "—";
  const s = typeof v === "string" ? JSON.stringify(v) : stableJson(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}
