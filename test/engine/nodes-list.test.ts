/**
 * Per-element runs (list/map) and the list helpers: the reference shape "detections → crop each → recognise
 * → decode → join" on a real photo with a stand-in recogniser, batching of model calls, regrouping, compile
 * typing of the sub-graph, errors naming the element, skipped branches, and zip/filter/join.
 */
import { describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import type { TCompileEnv, TModelInfo, TModelRunner } from "@/server/engine/define-node.ts";
import { execute, RunError } from "@/server/engine/executor/execute.ts";
import type { TGraph } from "@/server/engine/graph/schema.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import { makeTensor, toNumbers, type TAnyTensor } from "@/server/engine/values/tensor.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { issueTriples, tk } from "./harness.ts";
import { fixture, IMAGE, runRaw } from "./media-harness.ts";

/** A stand-in recogniser "rec@1": x [batch, 3, 8, 16] → logits [batch, 4, 3] (steps × classes) from each row's mean brightness. */
const REC: TModelInfo = {
  name: "rec",
  version: 1,
  sha256: "rec-sha",
  inputs: [{ name: "x", dtype: "float32", shape: ["batch", 3, 8, 16] }],
  outputs: [{ name: "logits", dtype: "float32", shape: ["batch", 4, 3] }],
};
const REC1: TModelInfo = { ...REC, name: "rec1", sha256: "rec1-sha", inputs: [{ name: "x", dtype: "float32", shape: [1, 3, 8, 16] }] };
const env: TCompileEnv = { models: new Map([["rec@1", REC], ["rec1@1", REC1]]) };

function recogniser() {
  const calls: number[][] = [];
  const runner: TModelRunner = {
    async run(_sha, feeds) {
      const x = feeds.x as TAnyTensor;
      calls.push([...x.shape]);
      const [b] = x.shape as [number];
      const per = x.data.length / b;
      const out = new Float32Array(b * 12);
      const v = toNumbers(x);
      for (let r = 0; r < b; r++) {
        let mean = 0;
        for (let i = 0; i < per; i++) mean += v[r * per + i]!;
        mean /= per;
        // Bright crops read "aa" (class 1, blank, class 1, blank), dark ones "b" (class 2 then blanks).
        const seq = mean > 0.5 ? [1, 0, 1, 0] : [2, 0, 0, 0];
        seq.forEach((c, s) => (out[r * 12 + s * 3 + c] = 1));
      }
      return { logits: makeTensor("float32", [b, 4, 3], out) };
    },
  };
  return { runner, calls };
}

/** item (a detection) + image (shared) → crop → resize 16×8 → to-tensor → rec → ctc-decode → text. */
function perBox(model = "rec", resize: Record<string, unknown> = { width: 16, height: 8 }): TGraph {
  const g = new GraphBuilder();
  const item = g.input("item", { kind: "json" });
  const image = g.input("image", IMAGE);
  const crop = g.add("image/crop@v1", {}, "crop");
  const resized = g.add("image/resize@v1", resize, "resize");
  const t = g.add("image/to-tensor@v1", {}, "tensor");
  const rec = g.add("model/onnx@v1", { model, version: 1 }, "rec");
  const ctc = g.add("post/ctc-decode@v1", { characters: ["a", "b"] }, "ctc");
  g.connect(image, "value", crop, "image");
  g.connect(item, "value", crop, "box");
  g.connect(crop, "image", resized, "image");
  g.connect(resized, "image", t, "image");
  g.connect(t, "tensor", rec, "x");
  g.connect(rec, "logits", ctc, "logits");
  g.output("text", ctc, "text");
  g.output("size", crop, "image");
  return g.build();
}

/** photo + detections → map(perBox) → join. */
function ocrLike(sub: TGraph, extra: Record<string, unknown> = {}) {
  const g = new GraphBuilder();
  const photo = g.input("photo", IMAGE);
  const boxes = g.input("boxes", { kind: "list", of: { kind: "json" } });
  const m = g.add("list/map@v1", { graph: sub, ...extra }, "each");
  const join = g.add("text/join@v1", { separator: " " }, "join");
  g.connect(boxes, "value", m, "items");
  g.connect(photo, "value", m, "image");
  g.connect(m, "text", join, "list");
  g.output("texts", m, "text");
  g.output("joined", join, "text");
  return g.build();
}

const photo = fixture("images/coffee.jpg");
// Coffee photo: the top-left corner is dark wood, the cup's rim around (300, 200) is bright.
const boxes = [[0, 0, 40, 20], [280, 150, 340, 180], [10, 10, 30, 40]];

describe("list/map@v1", () => {
  it("crops each box, recognises all crops in one batched model call, decodes each, and regroups in order", async () => {
    const r = compile(ocrLike(perBox()), registry, env);
    expect(r.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(r.ports.each?.outputs).toEqual({ text: { kind: "list", of: { kind: "json" } }, size: { kind: "list", of: { kind: "image" } } });
    expect(r.ports.each?.inputs.image).toEqual(IMAGE);
    const { runner, calls } = recogniser();
    const run = await execute(r.plan!, { photo, boxes }, { models: runner });
    expect(calls).toEqual([[3, 3, 8, 16]]);
    expect(run.outputs.texts).toEqual(["b", "aa", "b"]);
    expect(run.outputs.joined).toBe("b aa b");
    expect(run.trace.find((t) => t.nodeId === "each")?.outputs?.text).toMatchObject({ type: "list", length: 3 });
  });

  it("runs element by element when shapes differ, when batching is off, or when the model's batch dim is fixed", async () => {
    for (const [sub, extra, expected] of [
      [perBox("rec", { mode: "keep-aspect", height: 8 }), {}, 3], // widths differ per crop
      [perBox(), { batch: false }, 3],
      [perBox("rec1"), {}, 3],
    ] as const) {
      const { runner, calls } = recogniser();
      // keep-aspect crops are 8 px high and as wide as their box allows (the stand-in model takes any width).
      const plan = compile(ocrLike(sub as TGraph, extra), registry, env).plan!;
      await execute(plan, { photo, boxes }, { models: runner });
      expect(calls).toHaveLength(expected);
    }
  });

  it("gives empty lists for an empty list", async () => {
    const r = compile(ocrLike(perBox()), registry, env);
    const { runner, calls } = recogniser();
    const run = await execute(r.plan!, { photo, boxes: [] }, { models: runner });
    expect(run.outputs).toEqual({ texts: [], joined: "" });
    expect(calls).toEqual([]);
  });

  it("names the element and the inner node that failed", async () => {
    const r = compile(ocrLike(perBox()), registry, env);
    const { runner } = recogniser();
    const e = await execute(r.plan!, { photo, boxes: [boxes[0], [900, 900, 950, 950]] }, { models: runner }).then(
      () => null,
      (err: unknown) => err as RunError,
    );
    expect(e).toBeInstanceOf(RunError);
    expect(e).toMatchObject({ code: "NODE_FAILED", nodeId: "each", port: "items" });
    expect(e!.message).toMatch(/element 1, node 'crop' \(Crop\) on input 'box': box \[900, 900, 950, 950\] has no area inside the 600×400 image/);
  });

  it("types the sub-graph: its issues name the inner node, the items must fit the item input, outputs follow the item kind", () => {
    const sub = new GraphBuilder();
    const item = sub.input("item", tk("float32"));
    const sig = sub.add("post/argmax@v1", { axis: 3 }, "am");
    sub.connect(item, "value", sig, "x");
    sub.output("idx", sig, "indices");
    const outer = (itemKind: unknown) => {
      const g = new GraphBuilder();
      const xs = g.input("xs", itemKind);
      const m = g.add("list/map@v1", { graph: sub.build() }, "each");
      g.connect(xs, "value", m, "items");
      g.output("out", m, "idx");
      return compile(g.build(), registry, env);
    };
    // A list of [n, 3] tensors: argmax over axis 3 is out of range, found inside the sub-graph.
    const bad = outer({ kind: "list", of: tk("float32", ["n", 3]) });
    expect(bad.issues).toMatchObject([{ code: "SHAPE_MISMATCH", nodeId: "each", message: expect.stringContaining("in the sub-graph, node 'am'") }]);
    // Strings cannot be mapped by a sub-graph that takes tensors.
    expect(issueTriples(outer({ kind: "list", of: { kind: "string" } }).issues)).toContainEqual(["KIND_MISMATCH", "each", "items"]);
    // [n, 2, 3, 5] tensors: the output kind is propagated through the sub-graph.
    expect(outer({ kind: "list", of: tk("float32", ["n", 2, 3, 5]) }).ports.each?.outputs.idx).toEqual({ kind: "list", of: tk("int64", ["n", 2, 3, 1]) });
    // A sub-graph without an `item` input.
    const g = new GraphBuilder();
    const m = g.add("list/map@v1", { graph: { schemaVersion: 1, nodes: [], edges: [] } }, "each");
    g.connect(g.input("xs", { kind: "list", of: { kind: "json" } }), "value", m, "items");
    expect(issueTriples(compile(g.build(), registry, env).issues)).toContainEqual(["MISSING_INPUT", "each", undefined]);
  });

  it("skips the elements a branch inside does not take: their outputs are null", async () => {
    const sub = new GraphBuilder();
    const item = sub.input("item", { kind: "number" });
    const b = sub.add("logic/branch@v1", { predicate: { op: ">", value: 0 } }, "b");
    sub.connect(item, "value", b, "value");
    sub.output("positive", b, "then");
    const r = await runRaw("list/map@v1", { graph: sub.build() }, { items: [3, -1, 5] }, { items: { kind: "list", of: { kind: "number" } } });
    expect(r.positive).toEqual([3, null, 5]);
  });
});

describe("list/zip@v1, list/filter@v1, text/join@v1", () => {
  it("regroups detections with their texts, filters weak ones, and joins the rest", async () => {
    const detections = [{ box: [0, 0, 1, 1], score: 0.9 }, { box: [2, 2, 3, 3], score: 0.8 }];
    const { list } = await runRaw("list/zip@v1", { fields: ["detection", "text", "confidence"], spread: ["detection"] }, { detection: detections, text: ["hello", "wor"], confidence: [0.97, 0.31] });
    expect(list).toEqual([
      { box: [0, 0, 1, 1], score: 0.9, text: "hello", confidence: 0.97 },
      { box: [2, 2, 3, 3], score: 0.8, text: "wor", confidence: 0.31 },
    ]);
    const kept = await runRaw("list/filter@v1", { field: "confidence", value: 0.5 }, { list });
    expect(kept).toEqual({ list: [(list as unknown[])[0]], kept: [0] });
    expect((await runRaw("text/join@v1", { field: "text", separator: "\n" }, { list })).text).toBe("hello\nwor");
    expect((await runRaw("text/join@v1", {}, { list: ["a", "", "b"] })).text).toBe("a\nb");
  });

  it("refuses lists of different lengths and things that are not lists", async () => {
    await expect(runRaw("list/zip@v1", {}, { a: [1, 2], b: [1] })).rejects.toMatchObject({ port: "b", message: expect.stringMatching(/has 1 elements but 'a' has 2/) });
    await expect(runRaw("list/zip@v1", { spread: ["a"] }, { a: [1], b: [1] })).rejects.toMatchObject({ port: "a" });
    await expect(runRaw("text/join@v1", {}, { list: [1] })).rejects.toMatchObject({ port: "list", message: expect.stringMatching(/element 0 is not a string/) });
    await expect(runRaw("list/filter@v1", {}, { list: "x" })).rejects.toMatchObject({ port: "list" });
  });
});

describe("list/scan@v1 and list/rows@v1", () => {
  it("runs the elements in order, carrying the state; the final state comes out", async () => {
    // A state that accumulates: the sub-graph returns [state…, item] as the new state (list grows element by element).
    const g = new GraphBuilder();
    const item = g.input("item", { kind: "json" });
    const state = g.input("state", { kind: "json" });
    const fmt = g.add("post/format@v1", { fields: ["s", "i"], template: ["$s", "$i"] }, "pair");
    g.connect(state, "value", fmt, "s");
    g.connect(item, "value", fmt, "i");
    g.output("state", fmt, "value");
    g.output("seen", state, "value");
    const out = await runRaw("list/scan@v1", { graph: g.build(), initial: "start" }, { items: ["a", "b", "c"] }, { items: { kind: "list", of: { kind: "json" } } });
    expect(out.seen).toEqual(["start", ["start", "a"], [["start", "a"], "b"]]);
    expect(out.state).toEqual([[["start", "a"], "b"], "c"]);
  });

  it("needs a state input and output, and an initial state", async () => {
    const g = new GraphBuilder();
    g.output("y", g.input("item", { kind: "json" }), "value");
    const b = new GraphBuilder();
    const s = b.add("list/scan@v1", { graph: g.build() }, "scan");
    b.connect(b.input("xs", { kind: "list", of: { kind: "json" } }), "value", s, "items");
    const r = compile(b.build(), registry, env);
    expect(r.issues.map((i) => i.message)).toEqual(expect.arrayContaining([expect.stringContaining("no Input named 'state'"), expect.stringContaining("no Output named 'state'")]));
  });

  it("splits a tensor into its rows, with or without the leading dim", async () => {
    const t = makeTensor("float32", [3, 2], new Float32Array([1, 2, 3, 4, 5, 6]));
    const { rows } = await runRaw("list/rows@v1", {}, { tensor: t });
    expect((rows as TAnyTensor[]).map((r) => [...r.shape, ...toNumbers(r)])).toEqual([
      [2, 1, 2],
      [2, 3, 4],
      [2, 5, 6],
    ]);
    const kept = (await runRaw("list/rows@v1", { keepDim: true }, { tensor: t })).rows as TAnyTensor[];
    expect(kept[0]!.shape).toEqual([1, 2]);
  });
});
