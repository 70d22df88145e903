/**
 * The compiler: one case per issue code, each naming its node/port; the kind compatibility rules; shape and
 * dtype mismatches found several nodes upstream of a model; and the compile time of a 200-node graph.
 */
import { describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import type { TCompileEnv, TModelInfo } from "@/server/engine/define-node.ts";
import { NODE_DEFINITIONS, registry } from "@/server/engine/nodes/index.ts";
import { catalog } from "@/server/engine/registry.ts";
import { checkCompatible, type TKind } from "@/server/engine/types/kinds.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { env, issueTriples, tk } from "./harness.ts";

const model: TModelInfo = {
  name: "m",
  version: 1,
  sha256: "x",
  inputs: [{ name: "input", dtype: "float32", shape: ["batch", 4] }],
  outputs: [{ name: "probabilities", dtype: "float32", shape: ["batch", 3] }],
};
const withModel: TCompileEnv = { models: new Map([["m@1", model]]) };

/** input(json record) → features(fields) → impute → clip → min-max-scale → model m@1 → softmax → output. */
function tabularIntoModel(fields: string[], opts: { cast?: "int64" } = {}) {
  const g = new GraphBuilder();
  const rec = g.input("record");
  const f = g.add("tabular/features@v1", { fields, missing: "nan" }, "features");
  const imp = g.add("tabular/impute@v1", {}, "impute");
  const clip = g.add("tabular/clip@v1", { min: -1000, max: 1000 }, "clip");
  const mm = g.add("tabular/min-max-scale@v1", { min: [0], max: [10] }, "scale");
  const m = g.add("model/onnx@v1", { model: "m", version: 1 }, "model");
  const sm = g.add("post/softmax@v1", {}, "softmax");
  g.connect(rec, "value", f, "record");
  g.connect(f, "features", imp, "x");
  g.connect(imp, "y", clip, "x");
  g.connect(clip, "y", mm, "x");
  if (opts.cast) {
    const c = g.add("tensor/cast@v1", { to: opts.cast }, "cast");
    g.connect(mm, "y", c, "x");
    g.connect(c, "y", m, "input");
  } else g.connect(mm, "y", m, "input");
  g.connect(m, "probabilities", sm, "x");
  g.output("probabilities", sm, "y");
  return g;
}

/** input(float32[rows,2]) → sigmoid → output: a valid base to break one way at a time. */
function base() {
  const g = new GraphBuilder();
  const x = g.input("x", tk("float32", ["rows", 2]));
  const s = g.add("post/sigmoid@v1", {}, "sig");
  g.connect(x, "value", s, "x", "e_in");
  g.output("y", s, "y");
  return g;
}

describe("compiler: one case per issue code", () => {
  it("accepts the valid base graph with no issues", () => {
    const r = compile(base().build(), registry, env);
    expect(r).toMatchObject({ ok: true, issues: [] });
    expect(r.plan?.order).toEqual(["in_x", "sig", "out_y"]);
  });

  it("UNKNOWN_NODE_TYPE names the node and the type", () => {
    const g = base();
    g.add("nope/thing@v1", {}, "ghost");
    g.connect("ghost", "y", "out_y", "value");
    const r = compile(g.build(), registry, env);
    expect(r.issues).toContainEqual(expect.objectContaining({ code: "UNKNOWN_NODE_TYPE", nodeId: "ghost", actual: "nope/thing@v1" }));
  });

  it("INVALID_PARAMS carries the zod path inside params, for every bad field", () => {
    const g = base();
    g.add("tensor/slice@v1", { starts: [0, 1], ends: [1], steps: [1, 0] }, "bad");
    g.add("logic/branch@v1", { predicate: { op: "<", value: "abc" } }, "bad2");
    const r = compile(g.build(), registry, env);
    const params = r.issues.filter((i) => i.code === "INVALID_PARAMS").map((i) => [i.nodeId, i.path]);
    expect(params).toEqual(expect.arrayContaining([["bad", "steps.1"], ["bad", "ends"], ["bad2", "predicate.value"]]));
    // a node whose params are bad is not also reported for its unconnected inputs
    expect(r.issues.filter((i) => i.nodeId === "bad" && i.code !== "INVALID_PARAMS" && i.severity === "error")).toEqual([]);
  });

  it("UNKNOWN_PORT on either end of an edge lists the ports there are", () => {
    const g = base();
    g.add("post/sigmoid@v1", {}, "s2");
    g.connect("sig", "nope", "s2", "x", "e_src");
    g.connect("in_x", "value", "s2", "z", "e_dst");
    g.output("z", "s2", "y");
    const r = compile(g.build(), registry, env);
    expect(r.issues).toContainEqual(expect.objectContaining({ code: "UNKNOWN_PORT", nodeId: "sig", edgeId: "e_src", port: "nope" }));
    expect(r.issues).toContainEqual(expect.objectContaining({ code: "UNKNOWN_PORT", nodeId: "s2", edgeId: "e_dst", port: "z" }));
    expect(r.issues.find((i) => i.edgeId === "e_dst")?.message).toContain("it has: x");
  });

  it("MISSING_INPUT names the unconnected port and what it expects", () => {
    const g = base();
    g.add("post/sigmoid@v1", {}, "lonely");
    g.output("z", "lonely", "y");
    const r = compile(g.build(), registry, env);
    expect(r.issues).toEqual([expect.objectContaining({ code: "MISSING_INPUT", nodeId: "lonely", port: "x", expected: "tensor[*]" })]);
  });

  it("DUPLICATE_CONNECTION: an input port fed twice", () => {
    const g = base();
    g.connect("in_x", "value", "sig", "x", "e_twice");
    const r = compile(g.build(), registry, env);
    expect(r.issues).toEqual([expect.objectContaining({ code: "DUPLICATE_CONNECTION", nodeId: "sig", port: "x", edgeId: "e_twice" })]);
  });

  it("KIND_MISMATCH: a JSON record into a tensor port, naming where it comes from", () => {
    const g = base();
    const rec = g.input("record");
    g.add("post/sigmoid@v1", {}, "s2");
    g.connect(rec, "value", "s2", "x");
    g.output("z", "s2", "y");
    const r = compile(g.build(), registry, env);
    expect(r.issues).toEqual([expect.objectContaining({ code: "KIND_MISMATCH", nodeId: "s2", port: "x", expected: "tensor[*]", actual: "json" })]);
    expect(r.issues[0]!.message).toContain("'in_record.value'");
  });

  it("DTYPE_MISMATCH: a cast to int64 in front of a float32 model", () => {
    const r = compile(tabularIntoModel(["a", "b", "c", "d"], { cast: "int64" }).build(), registry, withModel);
    expect(r.issues).toEqual([expect.objectContaining({ code: "DTYPE_MISMATCH", nodeId: "model", port: "input", expected: "float32[batch,4]", actual: "int64[rows,4]" })]);
  });

  it("SHAPE_MISMATCH: three features where the model wants four, found four nodes upstream of the model", () => {
    // given features(3) → impute → clip → min-max-scale → model(float32[batch, 4])
    const bad = compile(tabularIntoModel(["a", "b", "c"]).build(), registry, withModel);
    // then the width propagated through every node and the model input refuses it
    expect(bad.ports.scale?.outputs.y).toEqual(tk("float32", ["rows", 3]));
    expect(bad.issues).toEqual([expect.objectContaining({ code: "SHAPE_MISMATCH", nodeId: "model", port: "input", expected: "float32[batch,4]", actual: "float32[rows,3]" })]);
    expect(bad.issues[0]!.message).toContain("dim 1 is 3, expected 4");
    // and with four features it compiles, the model's output kind flowing on to the pipeline output
    const good = compile(tabularIntoModel(["a", "b", "c", "d"]).build(), registry, withModel);
    expect(good.issues).toEqual([]);
    expect(good.plan?.outputs).toEqual([{ name: "probabilities", nodeId: "out_probabilities", kind: tk("float32", ["batch", 3]) }]);
  });

  it("CYCLE names the nodes on it", () => {
    const g = base();
    g.add("tabular/clip@v1", { min: 0 }, "a");
    g.add("tabular/clip@v1", { min: 0 }, "b");
    g.connect("a", "y", "b", "x");
    g.connect("b", "y", "a", "x");
    g.output("z", "b", "y");
    const r = compile(g.build(), registry, env);
    const cycle = r.issues.filter((i) => i.code === "CYCLE");
    expect(cycle.map((i) => i.nodeId).sort()).toEqual(["a", "b"]);
    expect(cycle[0]!.message).toMatch(/a → b → a|b → a → b/);
    expect(r.ok).toBe(false);
  });

  it("UNREACHABLE_NODE is a warning: the graph compiles and the node is left out of the plan", () => {
    const g = base();
    g.add("post/sigmoid@v1", {}, "idle");
    g.connect("in_x", "value", "idle", "x");
    const r = compile(g.build(), registry, env);
    expect(r.ok).toBe(true);
    expect(r.issues).toEqual([expect.objectContaining({ code: "UNREACHABLE_NODE", severity: "warning", nodeId: "idle" })]);
    expect(r.plan?.nodes.has("idle")).toBe(false);
  });

  it("UNCONNECTED_OUTPUT: an output node with nothing feeding it", () => {
    const g = base();
    g.add("io/output@v1", { name: "dangling" }, "dangling");
    const r = compile(g.build(), registry, env);
    expect(r.issues).toEqual([expect.objectContaining({ code: "UNCONNECTED_OUTPUT", nodeId: "dangling", port: "value" })]);
  });

  it("DUPLICATE_NAME: two outputs (or two inputs) with one name", () => {
    const g = base();
    g.add("io/output@v1", { name: "y" }, "y_again");
    g.connect("sig", "y", "y_again", "value");
    g.add("io/input@v1", { name: "x", kind: { kind: "number" } }, "x_again");
    const r = compile(g.build(), registry, env);
    expect(issueTriples(r.issues.filter((i) => i.code === "DUPLICATE_NAME"))).toEqual(
      expect.arrayContaining([
        ["DUPLICATE_NAME", "y_again", undefined],
        ["DUPLICATE_NAME", "x_again", undefined],
      ]),
    );
  });

  it("NO_OUTPUTS: a graph that returns nothing", () => {
    const g = new GraphBuilder();
    g.input("x", tk("float32"));
    const r = compile(g.build(), registry, env);
    expect(r.issues).toEqual([expect.objectContaining({ code: "NO_OUTPUTS", severity: "error" })]);
  });

  it("MISSING_MODEL: a model that is not in the registry, without follow-up errors on its edges", () => {
    const r = compile(tabularIntoModel(["a", "b", "c", "d"]).build(), registry, env);
    expect(r.issues).toEqual([expect.objectContaining({ code: "MISSING_MODEL", nodeId: "model" })]);
  });
});

describe("kind compatibility", () => {
  const f32 = (shape?: (number | string | null)[]) => tk("float32", shape);
  const list = (of: TKind): TKind => ({ kind: "list", of });
  const cases: [string, TKind, TKind, string | null][] = [
    ["a fixed dim fits a symbolic one", f32([1, 4]), f32(["batch", 4]), null],
    ["a symbolic dim fits a fixed one (checked at run time)", f32(["rows", 4]), f32([1, 4]), null],
    ["an unknown dim fits anything", f32([null, 4]), f32([2, 4]), null],
    ["a shapeless tensor fits a shaped port", f32(), f32(["batch", 4]), null],
    ["different fixed dims do not fit", f32([2, 3]), f32(["batch", 4]), "SHAPE_MISMATCH"],
    ["different ranks do not fit", f32([4]), f32(["batch", 4]), "SHAPE_MISMATCH"],
    ["float32 does not fit int64", f32([1]), tk("int64", [1]), "DTYPE_MISMATCH"],
    ["a tensor of any dtype fits int64", tk("any", [1]), tk("int64", [1]), null],
    ["integer fits number", { kind: "integer" }, { kind: "number" }, null],
    ["number does not fit integer", { kind: "number" }, { kind: "integer" }, "KIND_MISMATCH"],
    ["anything fits any", { kind: "image" }, { kind: "any" }, null],
    ["a tensor fits json", f32([2]), { kind: "json" }, null],
    ["an image does not fit json", { kind: "image" }, { kind: "json" }, "KIND_MISMATCH"],
    ["a string does not fit a tensor", { kind: "string" }, f32(), "KIND_MISMATCH"],
    ["list<integer> fits list<number>", list({ kind: "integer" }), list({ kind: "number" }), null],
    ["list<number> does not fit list<string>", list({ kind: "number" }), list({ kind: "string" }), "KIND_MISMATCH"],
    ["nested lists are checked all the way down", list(list(f32([3]))), list(list(f32([4]))), "SHAPE_MISMATCH"],
  ];

  it.each(cases)("%s", (_name, from, to, code) => {
    const r = checkCompatible(from, to);
    if (code === null) expect(r).toBeNull();
    else expect(r?.code).toBe(code);
  });

  it("says where inside a list the mismatch is", () => {
    expect(checkCompatible(list(list(f32([3]))), list(list(f32([4]))))?.message).toBe("list items: list items: dim 0 is 3, expected 4 (float32[3] → float32[4])");
  });
});

describe("the node catalogue", () => {
  it("lists every node type once, in catalogue order, with a JSON Schema for its params", () => {
    const entries = catalog(registry);
    expect(entries.map((e) => e.type)).toEqual(NODE_DEFINITIONS.map((d) => d.type));
    const order = ["io", "image", "text", "audio", "tabular", "tensor", "model", "postprocessing", "list", "logic"];
    const categories = entries.map((e) => order.indexOf(e.category));
    expect(categories).toEqual([...categories].sort((a, b) => a - b));
    // an object, or (inverse-scale's methods) a choice of objects
    for (const e of entries) {
      const schema = e.paramsSchema as { type?: string; oneOf?: { type: string }[] };
      expect(schema.type ?? schema.oneOf?.map((o) => o.type).find((t) => t !== "object") ?? "object", e.type).toBe("object");
    }
    expect(entries.length).toBe(62);
  });

  it("describes the parameters of the new nodes for generated forms", () => {
    const reshape = catalog(registry).find((e) => e.type === "tensor/reshape@v1")!;
    expect(reshape.paramsSchema).toMatchObject({ properties: { shape: { type: "array", description: expect.stringContaining("-1") } } });
    const concat = catalog(registry).find((e) => e.type === "tensor/concat@v1")!;
    expect(concat.ports).toBeNull(); // its ports depend on count
  });
});

describe("compile time", () => {
  /** input → 3 parallel chains of 66 nodes (clip, impute, sigmoid, reshape, …) → concat → output: 201 nodes. */
  function bigGraph() {
    const g = new GraphBuilder();
    const x = g.input("x", tk("float32", ["rows", 8]));
    const cat = g.add("tensor/concat@v1", { count: 3 }, "concat");
    const steps: [string, Record<string, unknown>, string, string][] = [
      ["tabular/clip@v1", { min: -5, max: 5 }, "x", "y"],
      ["tabular/impute@v1", { constant: 0 }, "x", "y"],
      ["post/sigmoid@v1", {}, "x", "y"],
      ["tensor/reshape@v1", { shape: [0, -1] }, "x", "y"],
      ["tabular/min-max-scale@v1", { min: [0], max: [1] }, "x", "y"],
      ["tensor/unsqueeze@v1", { axes: [-1] }, "x", "y"],
      ["tensor/squeeze@v1", { axes: [-1] }, "x", "y"],
      ["tabular/standard-scale@v1", { mean: [0, 0, 0, 0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1, 1, 1, 1] }, "x", "y"],
      ["tensor/cast@v1", { to: "float32" }, "x", "y"],
      ["tensor/transpose@v1", { perm: [0, 1] }, "x", "y"],
      ["tensor/slice@v1", { starts: [0], ends: [8], axes: [1] }, "x", "y"],
    ];
    for (let c = 0; c < 3; c++) {
      let prev = x;
      let prevPort = "value";
      for (let i = 0; i < 66; i++) {
        const [type, params, inPort, outPort] = steps[i % steps.length]!;
        const id = g.add(type, params, `c${c}_${i}`);
        g.connect(prev, prevPort, id, inPort);
        [prev, prevPort] = [id, outPort];
      }
      g.connect(prev, prevPort, cat, `x${c}`);
    }
    g.output("y", cat, "y");
    return g.build();
  }

  it("compiles a 200-node graph in well under 50 ms (median of 9 runs)", () => {
    const graph = bigGraph();
    expect(graph.nodes.length).toBeGreaterThanOrEqual(200);
    const first = compile(graph, registry, env);
    expect(first.issues).toEqual([]);
    expect(first.ports.concat?.outputs.y).toEqual(tk("float32", ["rows", 24]));
    for (let i = 0; i < 2; i++) compile(graph, registry, env); // warm up
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      const t0 = performance.now();
      compile(graph, registry, env);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    expect(times[4]).toBeLessThan(50);
  });
});
