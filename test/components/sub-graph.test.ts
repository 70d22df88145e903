/**
 * Issue 14, item 1: the canvas helpers that open a For each node's body as a level of the editor and fold
 * it back into the pipeline — the document saved is the same whichever level is open, inner positions are
 * kept under path keys (and dropped with their node), boundary nodes are fixed, and the per-element trace
 * of the chosen element is found through nested levels.
 */
import { describe, expect, it } from "vitest";
import { toFlow } from "../../components/canvas/graph-doc.ts";
import { closeInto, composeLayout, composeRoot, openSubGraph, pathPrefix, starterSubGraph, subLayoutsOf, subRunAt, type TLevel } from "../../components/canvas/sub-graph.ts";
import type { TGraph, TTraceEntry } from "../../components/canvas/types.ts";

const inner = starterSubGraph("list/map@v1");
const root: TGraph = {
  schemaVersion: 1,
  nodes: [
    { id: "lines", type: "io/input@v1", params: { name: "lines" } },
    { id: "map", type: "list/map@v1", params: { graph: inner as never }, label: "lines" },
  ],
  edges: [{ id: "e1", source: { node: "lines", port: "value" }, target: { node: "map", port: "items" } }],
};
const rootLayout = { nodes: { lines: { x: 0, y: 0 }, map: { x: 300, y: 0 }, "map/item": { x: 10, y: 20 }, "map/result": { x: 400, y: 20 }, "gone/x": { x: 1, y: 1 } } };

function open(levels: TLevel[], nodes: ReturnType<typeof toFlow>["nodes"], edges: ReturnType<typeof toFlow>["edges"], id: string) {
  const level: TLevel = { nodeId: id, type: "list/map@v1", title: `map: ${id}`, nodes, edges, viewport: { x: 0, y: 0, zoom: 1 } };
  const next = [...levels, level];
  const node = nodes.find((n) => n.id === id)!;
  return { next, ...openSubGraph(node, pathPrefix(next), subLayoutsOf(rootLayout)) };
}

describe("sub-graph levels of the canvas", () => {
  it("opens a body with its kept positions and fixed boundary nodes, and folds it back unchanged", () => {
    const f = toFlow(root, rootLayout);
    const o = open([], f.nodes, f.edges, "map");
    expect(o.missing).toBe(false);
    expect(o.nodes.map((n) => [n.id, n.position, n.data.boundary, n.deletable])).toEqual([
      ["item", { x: 10, y: 20 }, "element", false],
      ["result", { x: 400, y: 20 }, "list out", undefined],
    ]);
    const back = composeRoot(o.next, o.nodes, o.edges);
    expect(back.nodes.find((n) => n.id === "map")!.data.params.graph).toEqual(inner);
    expect(back.edges).toBe(f.edges);
  });

  it("folds an edit two levels down into the pipeline, and keeps every level's positions under its path", () => {
    const f = toFlow(root, rootLayout);
    const one = open([], f.nodes, f.edges, "map");
    // Inside: a map in the map, opened, with a node added to its body.
    const withMap = [...one.nodes, { id: "deep", type: "step" as const, position: { x: 50, y: 300 }, data: { type: "list/map@v1", params: { graph: inner as never } } }];
    const two = open(one.next, withMap, one.edges, "deep");
    expect(two.missing).toBe(true);
    const added = [...two.nodes, { id: "norm", type: "step" as const, position: { x: 200, y: 90 }, data: { type: "text/normalize@v1", params: {} } }];
    const composed = composeRoot(two.next, added, two.edges);
    const body = composed.nodes.find((n) => n.id === "map")!.data.params.graph as unknown as TGraph;
    const deep = body.nodes.find((n) => n.id === "deep")!.params.graph as unknown as TGraph;
    expect(deep.nodes.map((n) => n.id)).toEqual(["item", "result", "norm"]);
    const layout = composeLayout(composed.nodes, two.next, added, subLayoutsOf(rootLayout));
    expect(layout.nodes).toMatchObject({ lines: { x: 0, y: 0 }, "map/item": { x: 10, y: 20 }, "map/deep/norm": { x: 200, y: 90 } });
    // A path that no longer leads to a node takes its positions with it.
    expect(layout.nodes["gone/x"]).toBeUndefined();
    // Closing the inner level gives the same document as composing from it.
    expect(closeInto(two.next[1]!, added, two.edges).find((n) => n.id === "deep")!.data.params.graph).toEqual(deep);
  });

  it("scan bodies start with the element and state inputs and the state output, all fixed", () => {
    const g = starterSubGraph("list/scan@v1");
    const o = openSubGraph({ id: "s", type: "step", position: { x: 0, y: 0 }, data: { type: "list/scan@v1", params: { graph: g as never } } }, "s/", {});
    expect(o.nodes.map((n) => [n.id, n.data.boundary, n.deletable === false])).toEqual([
      ["item", "element", true],
      ["state", "state in", true],
      ["next", "next state", true],
      ["result", "list out", false],
    ]);
  });

  it("finds the chosen element's trace through nested levels, first recorded element by default", () => {
    const e = (nodeId: string, extra: Partial<TTraceEntry> = {}): TTraceEntry => ({ nodeId, type: "x@v1", status: "ok", start: 0, durationMs: 1, ...extra });
    const deepSub = { count: 2, elements: [0, 1].map((i) => ({ index: i, nodes: { norm: e("norm", { outputs: { text: { type: "string", preview: `deep ${i}` } } }) } })) };
    const byNode = {
      map: e("map", { sub: { count: 12, elements: [0, 1].map((i) => ({ index: i, nodes: { item: e("item"), deep: e("deep", i === 1 ? { sub: deepSub } : {}) } })) } }),
    };
    const level = (nodeId: string): TLevel => ({ nodeId, type: "list/map@v1", title: nodeId, nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 } });
    expect(subRunAt(byNode, [level("map")], {})).toMatchObject({ count: 12, indices: [0, 1], element: 0 });
    expect(subRunAt(byNode, [level("map"), level("deep")], {})).toBeNull();
    const r = subRunAt(byNode, [level("map"), level("deep")], { "map/": 1, "map/deep/": 1 })!;
    expect(r).toMatchObject({ count: 2, element: 1 });
    expect(r.byNode.norm?.outputs?.text).toEqual({ type: "string", preview: "deep 1" });
    expect(subRunAt({}, [level("map")], {})).toBeNull();
  });
});
