/**
 * Issue 14, item 1: the trace of a list/map or list/scan node holds what its inner nodes did per element
 * (status, time, output summaries), for the first ELEMENT_TRACE_LIMIT elements only, kept when an element
 * fails, nested for a map inside a map, and still there when the node comes from the run cache. The editor
 * shows these as per-element previews inside the sub-graph canvas.
 */
import { describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import type { TCompileEnv, TModelInfo, TModelRunner } from "@/server/engine/define-node.ts";
import { ELEMENT_TRACE_LIMIT, execute, RunError, type TTraceEntry } from "@/server/engine/executor/execute.ts";
import { MemoryRunCache } from "@/server/engine/executor/run-cache.ts";
import type { TGraph } from "@/server/engine/graph/schema.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import { makeTensor, toNumbers, type TAnyTensor } from "@/server/engine/values/tensor.ts";
import { DEFAULT_LOG_POLICY, logTrace } from "@/server/services/invocations/payload-policy.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";

const NO_ENV: TCompileEnv = { models: new Map() };
const noModels: TModelRunner = {
  run() {
    throw new Error("no models in this test");
  },
};

/** item (a text line) → normalize (lowercase) → format "<line>!" : the OCR-style per-line post-processing. */
function perLine(): TGraph {
  const g = new GraphBuilder();
  const item = g.input("item", { kind: "string" });
  const norm = g.add("text/normalize@v1", { lowercase: true }, "norm");
  const fmt = g.add("post/format@v1", { fields: ["t"], template: "$t" }, "fmt");
  g.connect(item, "value", norm, "text");
  g.connect(norm, "text", fmt, "t");
  g.output("line", fmt, "value");
  return g.build();
}

function outer(sub: TGraph, type = "list/map@v1", extra: Record<string, unknown> = {}, of: unknown = { kind: "string" }): TGraph {
  const g = new GraphBuilder();
  const lines = g.input("lines", { kind: "list", of });
  const m = g.add(type, { graph: sub, ...extra }, "each");
  g.connect(lines, "value", m, "items");
  g.output("out", m, "line");
  return g.build();
}

function entry(trace: TTraceEntry[], id: string): TTraceEntry {
  const t = trace.find((x) => x.nodeId === id);
  if (!t) throw new Error(`no trace entry for ${id}`);
  return t;
}

describe("issue 14: per-element traces of sub-graph nodes", () => {
  it("records every inner node of every element: status, time and a summary of its outputs", async () => {
    const plan = compile(outer(perLine()), registry, NO_ENV).plan!;
    const run = await execute(plan, { lines: ["  Hello  World ", "ÉTÉ", "x"] }, { models: noModels });
    expect(run.outputs.out).toEqual(["hello world", "été", "x"]);
    const sub = entry(run.trace, "each").sub!;
    expect(sub.count).toBe(3);
    expect(sub.elements.map((e) => e.index)).toEqual([0, 1, 2]);
    const first = sub.elements[0]!.nodes;
    expect(Object.keys(first).sort()).toEqual(["fmt", "in_item", "norm", "out_line"]);
    expect(first.norm).toMatchObject({ nodeId: "norm", type: "text/normalize@v1", status: "ok", outputs: { text: { type: "string", preview: "hello world" } } });
    expect(first.in_item?.outputs?.value).toEqual({ type: "string", preview: "  Hello  World " });
    expect(sub.elements[1]!.nodes.fmt?.outputs?.value).toEqual({ type: "string", preview: "été" });
    for (const e of sub.elements) for (const n of Object.values(e.nodes)) expect(n.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("keeps only the first ELEMENT_TRACE_LIMIT elements, and says how many there were", async () => {
    const plan = compile(outer(perLine()), registry, NO_ENV).plan!;
    const lines = Array.from({ length: 25 }, (_, i) => `L${i}`);
    const run = await execute(plan, { lines }, { models: noModels });
    const sub = entry(run.trace, "each").sub!;
    expect(ELEMENT_TRACE_LIMIT).toBe(10);
    expect(sub.count).toBe(25);
    expect(sub.elements.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sub.elements[9]!.nodes.norm?.outputs?.text).toEqual({ type: "string", preview: "l9" });
  });

  it("keeps the trace when an element fails: the failing inner node has the error, later nodes are absent", async () => {
    const g = new GraphBuilder();
    const item = g.input("item", { kind: "json" });
    const norm = g.add("text/normalize@v1", {}, "norm");
    g.connect(item, "value", norm, "text");
    g.output("line", norm, "text");
    const plan = compile(outer(g.build(), "list/map@v1", {}, { kind: "json" }), registry, NO_ENV).plan!;
    const err = await execute(plan, { lines: ["ok", 5 as unknown as string] }, { models: noModels }).then(
      () => null,
      (e: unknown) => e as RunError,
    );
    expect(err).toBeInstanceOf(RunError);
    const each = entry(err!.trace, "each");
    expect(each.status).toBe("error");
    expect(each.sub!.elements[0]!.nodes.norm?.status).toBe("ok");
    expect(each.sub!.elements[1]!.nodes.norm).toMatchObject({ status: "error", error: expect.stringMatching(/string/) });
    expect(each.sub!.elements[1]!.nodes.out_line).toBeUndefined();
  });

  it("nests: a map inside a map has its own per-element traces inside each outer element", async () => {
    // lines: list of lists of strings; the outer map maps each inner list through the per-line map.
    const mid = new GraphBuilder();
    const words = mid.input("item", { kind: "list", of: { kind: "string" } });
    const inner = mid.add("list/map@v1", { graph: perLine() }, "inner");
    mid.connect(words, "value", inner, "items");
    mid.output("line", inner, "line");
    const plan = compile(outer(mid.build(), "list/map@v1", {}, { kind: "list", of: { kind: "string" } }), registry, NO_ENV).plan!;
    const run = await execute(plan, { lines: [["A", "B"], ["C"]] }, { models: noModels });
    expect(run.outputs.out).toEqual([["a", "b"], ["c"]]);
    const sub = entry(run.trace, "each").sub!;
    const nested = sub.elements[0]!.nodes.inner!.sub!;
    expect(nested.count).toBe(2);
    expect(nested.elements[1]!.nodes.norm?.outputs?.text).toEqual({ type: "string", preview: "b" });
    expect(sub.elements[1]!.nodes.inner!.sub!.elements[0]!.nodes.fmt?.outputs?.value).toEqual({ type: "string", preview: "c" });
  });

  it("marks a model call batched across the elements, with each element's own slice of the outputs", async () => {
    const DBL: TModelInfo = { name: "dbl", version: 1, sha256: "dbl-sha", inputs: [{ name: "x", dtype: "float32", shape: ["batch", 2] }], outputs: [{ name: "y", dtype: "float32", shape: ["batch", 2] }] };
    const env: TCompileEnv = { models: new Map([["dbl@1", DBL]]) };
    const calls: number[][] = [];
    const models: TModelRunner = {
      async run(_sha, feeds) {
        const x = feeds.x as TAnyTensor;
        calls.push([...x.shape]);
        return { y: makeTensor("float32", [...x.shape], Float32Array.from(toNumbers(x), (v) => v * 2)) };
      },
    };
    const sub = new GraphBuilder();
    const item = sub.input("item", { kind: "tensor", dtype: "float32", shape: [1, 2] });
    const model = sub.add("model/onnx@v1", { model: "dbl", version: 1 }, "model");
    sub.connect(item, "value", model, "x");
    sub.output("y", model, "y");
    const g = new GraphBuilder();
    const xs = g.input("xs", { kind: "list", of: { kind: "tensor", dtype: "float32", shape: [1, 2] } });
    const m = g.add("list/map@v1", { graph: sub.build() }, "each");
    g.connect(xs, "value", m, "items");
    g.output("ys", m, "y");
    const r = compile(g.build(), registry, env);
    expect(r.issues.filter((i) => i.severity === "error")).toEqual([]);
    const t = (a: number, b: number) => ({ dtype: "float32", shape: [1, 2], data: [a, b] });
    const run = await execute(r.plan!, { xs: [t(1, 2), t(3, 4)] }, { models });
    expect(calls).toEqual([[2, 2]]);
    const sub2 = entry(run.trace, "each").sub!;
    expect(sub2.elements[0]!.nodes.model).toMatchObject({ status: "ok", batched: true, outputs: { y: { type: "tensor", shape: [1, 2], preview: [2, 4] } } });
    expect(sub2.elements[1]!.nodes.model?.outputs?.y).toMatchObject({ preview: [6, 8] });
  });

  it("list/scan records each step with the state it was given", async () => {
    // The state is the previous element; each line pairs it with the current one.
    const g = new GraphBuilder();
    const state = g.input("state", { kind: "json" });
    const item = g.input("item", { kind: "json" });
    g.output("state", item, "value");
    const pair = g.add("post/format@v1", { fields: ["prev", "cur"], template: { prev: "$prev", cur: "$cur" } }, "pair");
    g.connect(item, "value", pair, "cur");
    g.connect(state, "value", pair, "prev");
    g.output("line", pair, "value");
    const plan = compile(outer(g.build(), "list/scan@v1", { initial: "start" }), registry, NO_ENV).plan!;
    const run = await execute(plan, { lines: ["a", "b"] }, { models: noModels });
    const sub = entry(run.trace, "each").sub!;
    expect(sub.count).toBe(2);
    expect(sub.elements[0]!.nodes.in_state?.outputs?.value).toEqual({ type: "string", preview: "start" });
    expect(sub.elements[1]!.nodes.pair?.outputs?.value).toEqual({ type: "json", preview: '{"prev":"a","cur":"b"}' });
  });

  it("a map served from the run cache shows the per-element trace of the run that computed it", async () => {
    const plan = compile(outer(perLine()), registry, NO_ENV).plan!;
    const cache = new MemoryRunCache();
    const first = await execute(plan, { lines: ["A"] }, { models: noModels, cache });
    const again = await execute(plan, { lines: ["A"] }, { models: noModels, cache });
    expect(entry(again.trace, "each")).toMatchObject({ cached: true, sub: entry(first.trace, "each").sub });
  });

  it("compiles a sub-graph's problems onto the map node, naming the inner node, also two levels deep", () => {
    const bad = new GraphBuilder();
    const item = bad.input("item", { kind: "string" });
    const rows = bad.add("list/rows@v1", {}, "rows");
    bad.connect(item, "value", rows, "tensor");
    bad.output("line", rows, "rows");
    const mid = new GraphBuilder();
    const words = mid.input("item", { kind: "list", of: { kind: "string" } });
    const inner = mid.add("list/map@v1", { graph: bad.build() }, "inner");
    mid.connect(words, "value", inner, "items");
    mid.output("line", inner, "line");
    const r = compile(outer(mid.build(), "list/map@v1", {}, { kind: "list", of: { kind: "string" } }), registry, NO_ENV);
    expect(r.plan).toBeUndefined();
    expect(r.issues).toContainEqual(expect.objectContaining({ code: "KIND_MISMATCH", nodeId: "each", message: expect.stringMatching(/^in the sub-graph, node 'inner': in the sub-graph, node 'rows': /) }));
  });

  it("the invocation log scrubs per-element previews too, in metadata mode", async () => {
    const plan = compile(outer(perLine()), registry, NO_ENV).plan!;
    const run = await execute(plan, { lines: ["Secret Line"] }, { models: noModels });
    expect(JSON.stringify(run.trace)).toContain("secret line");
    const logged = logTrace(run.trace, { ...DEFAULT_LOG_POLICY, payload: "metadata" });
    expect(JSON.stringify(logged)).not.toMatch(/secret line/i);
    expect(entry(logged, "each").sub!.elements[0]!.nodes.norm).toMatchObject({ status: "ok", outputs: { text: { type: "string", preview: null } } });
  });
});
