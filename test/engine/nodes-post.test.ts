/** post/* nodes (sigmoid, argmax, label-map, threshold, inverse-scale) on real values, and their inference. */
import { describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import { execute } from "@/server/engine/executor/execute.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { env, expectClose, f32, inferNode, noModels, plain, runNode, runNodeError, tensor, tk } from "./harness.ts";

describe("post/sigmoid@v1", () => {
  it("computes 1 / (1 + e^-x) without overflow; NaN stays NaN", async () => {
    const { y } = await runNode("post/sigmoid@v1", {}, { x: f32([2, 3], [0, 2, -2, 1000, -1000, NaN]) });
    expect(plain(y).shape).toEqual([2, 3]);
    expectClose(plain(y).data, [0.5, 0.8807970779778823, 0.11920292202211755, 1, 0, NaN]);
  });

  it("wants floats: DTYPE_MISMATCH at compile time, a port-named failure at run time", async () => {
    expect(inferNode("post/sigmoid@v1", {}, { x: tk("int64", ["rows"]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", nodeId: "node", port: "x" }]);
    await expect(runNode("post/sigmoid@v1", {}, { x: tensor("int32", [1], [1]) })).rejects.toMatchObject({ code: "NODE_FAILED", port: "x" });
    expect(inferNode("post/sigmoid@v1", {}, { x: tk("float64", ["rows", 1]) }).outputs.y).toEqual(tk("float32", ["rows", 1]));
  });
});

describe("post/argmax@v1", () => {
  const scores = f32([3, 3], [1, 3, 2, 5, 5, 1, NaN, 0, -1]);

  it("returns int64 indices of the max along the last axis; first on ties; NaN never wins (keepdims like ONNX)", async () => {
    const { indices } = await runNode("post/argmax@v1", {}, { x: scores });
    expect(plain(indices)).toEqual({ dtype: "int64", shape: [3, 1], data: [1, 0, 1] });
    expect(plain((await runNode("post/argmax@v1", { keepdims: false }, { x: scores })).indices)).toEqual({ dtype: "int64", shape: [3], data: [1, 0, 1] });
  });

  it("reduces any axis", async () => {
    const { indices } = await runNode("post/argmax@v1", { axis: 0 }, { x: scores });
    expect(plain(indices)).toEqual({ dtype: "int64", shape: [1, 3], data: [1, 1, 0] });
    expect(plain((await runNode("post/argmax@v1", {}, { x: tensor("int64", [4], [3, 9, -2, 9]) })).indices).data).toEqual([1]);
  });

  it("gives 0 for an all-NaN slice, empty output for zero rows, and fails on a zero-length axis", async () => {
    expect(plain((await runNode("post/argmax@v1", {}, { x: f32([2], [NaN, NaN]) })).indices).data).toEqual([0]);
    expect(plain((await runNode("post/argmax@v1", {}, { x: f32([0, 3], []) })).indices).shape).toEqual([0, 1]);
    await expect(runNode("post/argmax@v1", {}, { x: f32([2, 0], []) })).rejects.toMatchObject({ code: "NODE_FAILED", port: "x" });
  });

  it("reports an out-of-range axis at compile time and at run time", async () => {
    expect(inferNode("post/argmax@v1", { axis: 2 }, { x: tk("float32", ["rows", 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x" }]);
    const e = await runNodeError("post/argmax@v1", { axis: 2 }, { x: scores });
    expect(e).toMatchObject({ port: "x" });
    expect(e.message).toContain("axis 2 is out of range for rank 2");
  });

  it("propagates an int64 shape", () => {
    expect(inferNode("post/argmax@v1", {}, { x: tk("float32", ["rows", 3]) }).outputs.indices).toEqual(tk("int64", ["rows", 1]));
    expect(inferNode("post/argmax@v1", { keepdims: false }, { x: tk("float32", ["rows", 3]) }).outputs.indices).toEqual(tk("int64", ["rows"]));
  });
});

describe("post/label-map@v1", () => {
  const labels = ["setosa", "versicolor", "virginica"];

  it("replaces indices with labels, keeping the shape", async () => {
    const { labels: out } = await runNode("post/label-map@v1", { labels }, { indices: tensor("int64", [2, 1], [2, 0]) });
    expect(plain(out)).toEqual({ dtype: "string", shape: [2, 1], data: ["virginica", "setosa"] });
    expect(plain((await runNode("post/label-map@v1", { labels }, { indices: tensor("uint8", [0], []) })).labels).shape).toEqual([0]);
  });

  it("fails naming the index that has no label", async () => {
    const e = await runNodeError("post/label-map@v1", { labels }, { indices: tensor("int64", [2], [1, 3]) });
    expect(e).toMatchObject({ code: "NODE_FAILED", nodeId: "node", port: "indices" });
    expect(e.message).toContain("index 3 (element 1)");
    await expect(runNode("post/label-map@v1", { labels }, { indices: tensor("int32", [1], [-1]) })).rejects.toThrow(/index -1/);
  });

  it("wants integer indices", async () => {
    expect(inferNode("post/label-map@v1", { labels }, { indices: tk("float32", [2]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "indices" }]);
    await expect(runNode("post/label-map@v1", { labels }, { indices: f32([1], [0]) })).rejects.toMatchObject({ port: "indices" });
  });

  it("chains after argmax: scores → labels, checked at compile time", async () => {
    const g = new GraphBuilder();
    const s = g.input("scores", tk("float32", ["rows", 3]));
    const a = g.add("post/argmax@v1", { keepdims: false }, "argmax");
    const l = g.add("post/label-map@v1", { labels }, "labels");
    g.connect(s, "value", a, "x");
    g.connect(a, "indices", l, "indices");
    g.output("species", l, "labels");
    const r = compile(g.build(), registry, env);
    expect(r.ports.labels?.outputs.labels).toEqual(tk("string", ["rows"]));
    const run = await execute(r.plan!, { scores: [[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]] }, { models: noModels });
    expect(plain(run.outputs.species).data).toEqual(["versicolor", "setosa"]);
  });
});

describe("post/threshold@v1", () => {
  const scores = f32([4], [0.2, 0.5, 0.7, NaN]);

  it("decides score > t strictly (NaN is negative) as bool, 0/1 or labels", async () => {
    expect(plain((await runNode("post/threshold@v1", {}, { scores })).y)).toEqual({ dtype: "bool", shape: [4], data: [0, 0, 1, 0] });
    expect(plain((await runNode("post/threshold@v1", { output: "binary" }, { scores })).y)).toEqual({ dtype: "int64", shape: [4], data: [0, 0, 1, 0] });
    const labelled = await runNode("post/threshold@v1", { threshold: 0.3, output: "labels", labels: ["ham", "spam"] }, { scores });
    expect(plain(labelled.y)).toEqual({ dtype: "string", shape: [4], data: ["ham", "spam", "spam", "ham"] });
  });

  it("needs labels for output = labels", () => {
    expect(inferNode("post/threshold@v1", { output: "labels" }, { scores: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "labels" }]);
  });

  it("declares the output dtype from its params and keeps the shape", () => {
    expect(inferNode("post/threshold@v1", { output: "binary" }, { scores: tk("float32", ["rows", 1]) }).outputs.y).toEqual(tk("int64", ["rows", 1]));
    expect(inferNode("post/threshold@v1", {}, { scores: tk("string", [1]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "scores" }]);
  });
});

describe("post/inverse-scale@v1", () => {
  it("undoes standard scaling: y·std + mean (one value for every output)", async () => {
    const { value } = await runNode("post/inverse-scale@v1", { method: "standard", mean: [100], std: [15] }, { y: f32([3, 1], [0, 1, -2]) });
    expect(plain(value)).toEqual({ dtype: "float32", shape: [3, 1], data: [100, 115, 70] });
    const two = await runNode("post/inverse-scale@v1", { method: "standard", mean: [1, 2], std: [10, 20] }, { y: f32([1, 2], [1, 1]) });
    expect(plain(two.value).data).toEqual([11, 22]);
  });

  it("undoes min-max scaling: y·(max − min) + min", async () => {
    const { value } = await runNode("post/inverse-scale@v1", { method: "min-max", min: [10], max: [60] }, { y: f32([3], [0.5, 1, 0]) });
    expect(plain(value).data).toEqual([35, 60, 10]);
  });

  it("checks its params per method", () => {
    expect(inferNode("post/inverse-scale@v1", { method: "log" }, { y: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "method" }]);
    expect(inferNode("post/inverse-scale@v1", { method: "standard", mean: [1, 2], std: [1] }, { y: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "std" }]);
  });

  it("reports a count that does not match the model's outputs at compile time", async () => {
    expect(inferNode("post/inverse-scale@v1", { method: "standard", mean: [1, 2, 3], std: [1, 1, 1] }, { y: tk("float32", ["rows", 2]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "y" }]);
    await expect(runNode("post/inverse-scale@v1", { method: "min-max", min: [0, 0], max: [1, 1] }, { y: f32([1, 3], [1, 2, 3]) })).rejects.toMatchObject({ port: "y" });
  });
});
