/** tabular/* nodes (impute, min-max-scale, one-hot, clip) on real values, and their compile-time inference. */
import { describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import { execute } from "@/server/engine/executor/execute.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import { floatToHalf, makeTensor } from "@/server/engine/values/tensor.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { env, expectClose, f32, inferNode, noModels, plain, runNode, runNodeError, tensor, tk } from "./harness.ts";

describe("tabular/impute@v1", () => {
  it("fills the NaNs that features(missing: nan) leaves, per feature", async () => {
    // given records with missing fields → features with NaN → impute with training means
    const g = new GraphBuilder();
    const rec = g.input("rows");
    const f = g.add("tabular/features@v1", { fields: ["a", "b"], missing: "nan" }, "features");
    const imp = g.add("tabular/impute@v1", { values: [10, 20] }, "impute");
    g.connect(rec, "value", f, "record");
    g.connect(f, "features", imp, "x");
    g.output("x", imp, "y");
    const { plan, ports } = compile(g.build(), registry, env);
    expect(ports.impute?.outputs.y).toEqual(tk("float32", ["rows", 2]));
    // when
    const run = await execute(plan!, { rows: [{ a: 1, b: null }, { a: null, b: 4 }, { b: 5 }] }, { models: noModels });
    // then
    expect(plain(run.outputs.x)).toEqual({ dtype: "float32", shape: [3, 2], data: [1, 20, 10, 4, 10, 5] });
  });

  it("uses one constant (0 by default) for every feature and keeps dtype and ±Infinity", async () => {
    const x = tensor("float64", [2, 2], [NaN, Infinity, -Infinity, NaN]);
    expect(plain((await runNode("tabular/impute@v1", {}, { x })).y)).toEqual({ dtype: "float64", shape: [2, 2], data: [0, Infinity, -Infinity, 0] });
    expect(plain((await runNode("tabular/impute@v1", { constant: -1 }, { x })).y).data).toEqual([-1, Infinity, -Infinity, -1]);
    expect(plain((await runNode("tabular/impute@v1", { values: [7] }, { x })).y).data).toEqual([7, Infinity, -Infinity, 7]);
  });

  it("fills float16 NaNs and passes empty tensors through", async () => {
    const half = makeTensor("float16", [1, 2], Uint16Array.from([0x7e00, floatToHalf(2.5)]));
    expect(plain((await runNode("tabular/impute@v1", { values: [1.5, 9] }, { x: half })).y)).toEqual({ dtype: "float16", shape: [1, 2], data: [1.5, 2.5] });
    expect(plain((await runNode("tabular/impute@v1", { values: [1, 2] }, { x: f32([0, 2], []) })).y).shape).toEqual([0, 2]);
  });

  it("refuses integer tensors and a wrong number of values, at compile and run time", async () => {
    expect(inferNode("tabular/impute@v1", {}, { x: tk("int64", ["rows", 2]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "x" }]);
    expect(inferNode("tabular/impute@v1", { values: [1, 2, 3] }, { x: tk("float32", ["rows", 2]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x", expected: "3", actual: "2" }]);
    await expect(runNode("tabular/impute@v1", {}, { x: tensor("int32", [1], [1]) })).rejects.toMatchObject({ code: "NODE_FAILED", port: "x" });
    await expect(runNode("tabular/impute@v1", { values: [1, 2, 3] }, { x: f32([1, 2], [NaN, 1]) })).rejects.toMatchObject({ port: "x" });
  });
});

describe("tabular/min-max-scale@v1", () => {
  const x = f32([2, 2], [5, 15, 20, 5]);

  it("maps [min, max] to [0, 1] per feature, extrapolating outside", async () => {
    const { y } = await runNode("tabular/min-max-scale@v1", { min: [0, 10], max: [10, 20] }, { x });
    expect(plain(y)).toEqual({ dtype: "float32", shape: [2, 2], data: [0.5, 0.5, 2, -0.5] });
  });

  it("clips to [0, 1] when asked, and leaves NaN alone", async () => {
    expect(plain((await runNode("tabular/min-max-scale@v1", { min: [0, 10], max: [10, 20], clip: true }, { x })).y).data).toEqual([0.5, 0.5, 1, 0]);
    const withNaN = f32([1, 2], [NaN, 12]);
    expectClose(plain((await runNode("tabular/min-max-scale@v1", { min: [0, 10], max: [10, 20], clip: true }, { x: withNaN })).y).data, [NaN, 0.2]);
  });

  it("checks its params: same lengths, max ≠ min", () => {
    expect(inferNode("tabular/min-max-scale@v1", { min: [0, 1], max: [1] }, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "max" }]);
    expect(inferNode("tabular/min-max-scale@v1", { min: [0, 1], max: [2, 1] }, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "max.1" }]);
  });

  it("propagates float32 and the shape, and reports a feature-count mismatch", async () => {
    expect(inferNode("tabular/min-max-scale@v1", { min: [0, 1], max: [1, 2] }, { x: tk("float64", ["rows", 2]) }).outputs.y).toEqual(tk("float32", ["rows", 2]));
    expect(inferNode("tabular/min-max-scale@v1", { min: [0, 1], max: [1, 2] }, { x: tk("float32", ["rows", 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x" }]);
    await expect(runNode("tabular/min-max-scale@v1", { min: [0, 1], max: [1, 2] }, { x: f32([3], [1, 2, 3]) })).rejects.toMatchObject({ port: "x" });
  });
});

describe("tabular/one-hot@v1", () => {
  const params = { field: "island", categories: ["Biscoe", "Dream", "Torgersen"] };

  it("encodes one record or a list of records in the category order", async () => {
    const one = await runNode("tabular/one-hot@v1", params, { record: { island: "Dream", bill: 40 } });
    expect(plain(one.encoded)).toEqual({ dtype: "float32", shape: [1, 3], data: [0, 1, 0] });
    const many = await runNode("tabular/one-hot@v1", { ...params, dtype: "float64" }, { record: [{ island: "Torgersen" }, { island: "Biscoe" }] });
    expect(plain(many.encoded)).toEqual({ dtype: "float64", shape: [2, 3], data: [0, 0, 1, 1, 0, 0] });
  });

  it("matches integer categories exactly (\"2\" is not 2)", async () => {
    const p = { field: "rooms", categories: [1, 2, 3] };
    expect(plain((await runNode("tabular/one-hot@v1", p, { record: { rooms: 2 } })).encoded).data).toEqual([0, 1, 0]);
    const e = await runNodeError("tabular/one-hot@v1", p, { record: { rooms: "2" } });
    expect(e).toMatchObject({ code: "NODE_FAILED", nodeId: "node", port: "record" });
    expect(e.message).toContain('record.rooms is "2"');
  });

  it("fails on an unknown or missing category, or gives zeros when asked", async () => {
    await expect(runNode("tabular/one-hot@v1", params, { record: [{ island: "Dream" }, { island: "Mars" }] })).rejects.toThrow(/record\[1\]\.island is "Mars"/);
    await expect(runNode("tabular/one-hot@v1", params, { record: {} })).rejects.toThrow(/missing/);
    const z = await runNode("tabular/one-hot@v1", { ...params, unknown: "zeros" }, { record: [{ island: "Mars" }, {}, { island: "Biscoe" }] });
    expect(plain(z.encoded).data).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0]);
  });

  it("refuses records that are not objects, and duplicate categories", async () => {
    await expect(runNode("tabular/one-hot@v1", params, { record: [1, 2] })).rejects.toMatchObject({ port: "record" });
    expect(inferNode("tabular/one-hot@v1", { field: "f", categories: ["a", "a"] }, { record: { kind: "json" } }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "categories" }]);
  });

  it("declares [rows, categories], so it concatenates with features at compile time", async () => {
    // given features and a one-hot column, joined side by side
    const g = new GraphBuilder();
    const rec = g.input("penguin");
    const f = g.add("tabular/features@v1", { fields: ["bill", "flipper"] }, "features");
    const oh = g.add("tabular/one-hot@v1", params, "island");
    const cat = g.add("tensor/concat@v1", {}, "concat");
    g.connect(rec, "value", f, "record");
    g.connect(rec, "value", oh, "record");
    g.connect(f, "features", cat, "x0");
    g.connect(oh, "encoded", cat, "x1");
    g.output("x", cat, "y");
    // when
    const r = compile(g.build(), registry, env);
    // then
    expect(r.ports.concat?.outputs.y).toEqual(tk("float32", ["rows", 5]));
    const run = await execute(r.plan!, { penguin: { bill: 39.1, flipper: 181, island: "Torgersen" } }, { models: noModels });
    expectClose(plain(run.outputs.x).data, [39.1, 181, 0, 0, 1], 4);
  });
});

describe("tabular/clip@v1", () => {
  it("holds floats inside [min, max]; NaN stays NaN", async () => {
    const { y } = await runNode("tabular/clip@v1", { min: 0, max: 1 }, { x: f32([4], [-2, 0.5, 3, NaN]) });
    expectClose(plain(y).data, [0, 0.5, 1, NaN]);
    expect(plain((await runNode("tabular/clip@v1", { max: 1 }, { x: f32([2], [-2, 3]) })).y).data).toEqual([-2, 1]);
  });

  it("keeps the dtype; integer bounds are rounded inwards; big int64 values are untouched", async () => {
    expect(plain((await runNode("tabular/clip@v1", { min: 0.5, max: 7.5 }, { x: tensor("int32", [3], [-5, 2, 9]) })).y)).toEqual({ dtype: "int32", shape: [3], data: [1, 2, 7] });
    const big = tensor("int64", [2], [0, -5]);
    (big.data as BigInt64Array)[0] = 2n ** 60n + 1n;
    expect(((await runNode("tabular/clip@v1", { min: 0 }, { x: big })).y as { data: BigInt64Array }).data).toEqual(BigInt64Array.from([2n ** 60n + 1n, 0n]));
  });

  it("needs a bound, min ≤ max, and a numeric tensor", async () => {
    expect(inferNode("tabular/clip@v1", {}, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "min" }]);
    expect(inferNode("tabular/clip@v1", { min: 2, max: 1 }, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "max" }]);
    expect(inferNode("tabular/clip@v1", { min: 0 }, { x: tk("string", [2]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "x" }]);
    await expect(runNode("tabular/clip@v1", { min: 0 }, { x: tensor("string", [1], ["a"]) })).rejects.toMatchObject({ port: "x" });
  });

  it("propagates its input kind", () => {
    expect(inferNode("tabular/clip@v1", { min: 0 }, { x: tk("int64", ["rows", 4]) }).outputs.y).toEqual(tk("int64", ["rows", 4]));
  });
});
