/** tensor/* nodes on real values (ONNX semantics where ONNX defines the op) and their compile-time inference. */
import { describe, expect, it } from "vitest";
import { floatToHalf } from "@/server/engine/values/tensor.ts";
import { expectClose, f32, inferNode, plain, runNode, runNodeError, tensor, tk } from "./harness.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("tensor/reshape@v1", () => {
  it("keeps the elements in row-major order under the new shape", async () => {
    const { y } = await runNode("tensor/reshape@v1", { shape: [3, 2] }, { x: f32([2, 3], [1, 2, 3, 4, 5, 6]) });
    expect(plain(y)).toEqual({ dtype: "float32", shape: [3, 2], data: [1, 2, 3, 4, 5, 6] });
  });

  it("copies a dim for 0 and infers the one -1 (ONNX Reshape, allowzero=0)", async () => {
    const x = f32([2, 3, 4], range(24));
    expect(plain((await runNode("tensor/reshape@v1", { shape: [0, -1] }, { x })).y).shape).toEqual([2, 12]);
    expect(plain((await runNode("tensor/reshape@v1", { shape: [-1] }, { x })).y).shape).toEqual([24]);
    expect(plain((await runNode("tensor/reshape@v1", { shape: [4, 0, -1] }, { x })).y).shape).toEqual([4, 3, 2]);
  });

  it("reshapes empty tensors when the -1 is determined, and to a scalar", async () => {
    expect(plain((await runNode("tensor/reshape@v1", { shape: [-1, 3] }, { x: f32([0, 3], []) })).y).shape).toEqual([0, 3]);
    expect(plain((await runNode("tensor/reshape@v1", { shape: [] }, { x: f32([1, 1], [7]) })).y)).toEqual({ dtype: "float32", shape: [], data: [7] });
  });

  it("fails naming port x when the element count does not fit", async () => {
    const e = await runNodeError("tensor/reshape@v1", { shape: [4, 2] }, { x: f32([2, 3], range(6)) });
    expect(e).toMatchObject({ code: "NODE_FAILED", nodeId: "node", port: "x" });
    expect(e.message).toContain("6 elements");
    // -1 next to a 0-sized dim is ambiguous
    await expect(runNode("tensor/reshape@v1", { shape: [0, -1] }, { x: f32([0, 3], []) })).rejects.toMatchObject({ port: "x" });
    // 0 copies a dim the input does not have
    await expect(runNode("tensor/reshape@v1", { shape: [2, 3, 0] }, { x: f32([6], range(6)) })).rejects.toMatchObject({ port: "x" });
  });

  it("refuses two -1s in its params, with the zod path", () => {
    const r = inferNode("tensor/reshape@v1", { shape: [-1, -1] }, { x: tk("float32") });
    expect(r.issues).toMatchObject([{ code: "INVALID_PARAMS", nodeId: "node", path: "shape" }]);
  });

  it("propagates the shape at compile time, symbolic dims included", () => {
    expect(inferNode("tensor/reshape@v1", { shape: [0, -1] }, { x: tk("float32", ["rows", 2, 3]) }).outputs.y).toEqual(tk("float32", ["rows", 6]));
    expect(inferNode("tensor/reshape@v1", { shape: [3, -1] }, { x: tk("int64", [2, 3]) }).outputs.y).toEqual(tk("int64", [3, 2]));
    // a symbol that does not survive the reshape makes the -1 unknowable
    expect(inferNode("tensor/reshape@v1", { shape: [-1] }, { x: tk("float32", ["rows", 3]) }).outputs.y).toEqual(tk("float32", [null]));
  });

  it("reports an impossible reshape at compile time", () => {
    const r = inferNode("tensor/reshape@v1", { shape: [4, 2] }, { x: tk("float32", [2, 3]) });
    expect(r.issues).toMatchObject([{ code: "SHAPE_MISMATCH", nodeId: "node", port: "x" }]);
    expect(inferNode("tensor/reshape@v1", { shape: [0, 5] }, { x: tk("float32", ["rows", 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH" }]);
  });
});

describe("tensor/cast@v1", () => {
  it("truncates floats toward zero when casting to an integer (ONNX/ORT Cast)", async () => {
    const { y } = await runNode("tensor/cast@v1", { to: "int32" }, { x: f32([5], [2.7, -2.7, 0.5, -0.5, 3]) });
    expect(plain(y)).toEqual({ dtype: "int32", shape: [5], data: [2, -2, 0, 0, 3] });
    const big = await runNode("tensor/cast@v1", { to: "int64" }, { x: tensor("float64", [2], [1e10, -3.9]) });
    expect((big.y as { data: BigInt64Array }).data).toEqual(BigInt64Array.from([10_000_000_000n, -3n]));
  });

  it("keeps the low bits when narrowing integers (200 as int8 is -56, as in the ONNX spec)", async () => {
    expect(plain((await runNode("tensor/cast@v1", { to: "int8" }, { x: tensor("int16", [3], [200, -129, 127]) })).y).data).toEqual([-56, 127, 127]);
    expect(plain((await runNode("tensor/cast@v1", { to: "uint8" }, { x: tensor("int32", [2], [-1, 256]) })).y).data).toEqual([255, 0]);
    const wide = tensor("int64", [1], [0]);
    (wide.data as BigInt64Array)[0] = 2n ** 40n + 5n;
    expect(plain((await runNode("tensor/cast@v1", { to: "int32" }, { x: wide })).y).data).toEqual([5]);
  });

  it("casts to bool as ≠ 0 (NaN is true) and from bool to 0/1", async () => {
    const { y } = await runNode("tensor/cast@v1", { to: "bool" }, { x: f32([5], [0, -0, 0.1, NaN, -3]) });
    expect(plain(y)).toEqual({ dtype: "bool", shape: [5], data: [0, 0, 1, 1, 1] });
    expect(plain((await runNode("tensor/cast@v1", { to: "float32" }, { x: tensor("bool", [2], [1, 0]) })).y).data).toEqual([1, 0]);
  });

  it("rounds between float widths and overflows to Infinity", async () => {
    const { y } = await runNode("tensor/cast@v1", { to: "float32" }, { x: tensor("float64", [2], [0.1, 1e40]) });
    expect(plain(y).data).toEqual([Math.fround(0.1), Infinity]);
    const half = await runNode("tensor/cast@v1", { to: "float16" }, { x: f32([3], [1.5, 70000, -2]) });
    expect(Array.from((half.y as { data: Uint16Array }).data)).toEqual([floatToHalf(1.5), 0x7c00, floatToHalf(-2)]);
    expect(plain(half.y).data).toEqual([1.5, Infinity, -2]);
    expect(plain((await runNode("tensor/cast@v1", { to: "float32" }, { x: half.y })).y).data).toEqual([1.5, Infinity, -2]);
  });

  it("refuses NaN, Infinity and out-of-range values for integer targets, naming the element", async () => {
    const e = await runNodeError("tensor/cast@v1", { to: "int32" }, { x: f32([2], [1, NaN]) });
    expect(e).toMatchObject({ code: "NODE_FAILED", port: "x" });
    expect(e.message).toContain("element 1 is NaN");
    await expect(runNode("tensor/cast@v1", { to: "int64" }, { x: f32([1], [Infinity]) })).rejects.toMatchObject({ port: "x" });
    await expect(runNode("tensor/cast@v1", { to: "int8" }, { x: f32([1], [300.5]) })).rejects.toThrow(/300.5/);
    // in range once truncated
    expect(plain((await runNode("tensor/cast@v1", { to: "uint8" }, { x: f32([2], [255.9, -0.5]) })).y).data).toEqual([255, 0]);
  });

  it("propagates the target dtype and refuses string tensors at compile time", () => {
    expect(inferNode("tensor/cast@v1", { to: "int64" }, { x: tk("float32", ["rows", 3]) }).outputs.y).toEqual(tk("int64", ["rows", 3]));
    expect(inferNode("tensor/cast@v1", { to: "int64" }, { x: tk("string", [2]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "x" }]);
    expect(inferNode("tensor/cast@v1", { to: "string" }, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "to" }]);
  });
});

describe("tensor/transpose@v1", () => {
  it("reverses the axes by default", async () => {
    const { y } = await runNode("tensor/transpose@v1", {}, { x: f32([2, 3], [1, 2, 3, 4, 5, 6]) });
    expect(plain(y)).toEqual({ dtype: "float32", shape: [3, 2], data: [1, 4, 2, 5, 3, 6] });
  });

  it("applies perm: output dim i is input dim perm[i]", async () => {
    const { y } = await runNode("tensor/transpose@v1", { perm: [0, 2, 1] }, { x: f32([2, 3, 4], range(24)) });
    expect(plain(y).shape).toEqual([2, 4, 3]);
    expect(plain(y).data).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 16, 20, 13, 17, 21, 14, 18, 22, 15, 19, 23]);
  });

  it("moves strings and exact int64 values, and handles empty tensors", async () => {
    expect(plain((await runNode("tensor/transpose@v1", {}, { x: tensor("string", [1, 2], ["a", "b"]) })).y)).toEqual({ dtype: "string", shape: [2, 1], data: ["a", "b"] });
    const big = tensor("int64", [2, 1], [0, 0]);
    (big.data as BigInt64Array).set([2n ** 60n + 1n, -7n]);
    expect((await runNode("tensor/transpose@v1", {}, { x: big })).y).toMatchObject({ shape: [1, 2], data: BigInt64Array.from([2n ** 60n + 1n, -7n]) });
    expect(plain((await runNode("tensor/transpose@v1", {}, { x: f32([0, 3], []) })).y).shape).toEqual([3, 0]);
  });

  it("refuses a perm that is not a permutation (params) or does not match the rank (compile and run time)", async () => {
    expect(inferNode("tensor/transpose@v1", { perm: [0, 0] }, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "perm" }]);
    expect(inferNode("tensor/transpose@v1", { perm: [1, 0] }, { x: tk("float32", [2, 3, 4]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x" }]);
    await expect(runNode("tensor/transpose@v1", { perm: [1, 0] }, { x: f32([2], [1, 2]) })).rejects.toMatchObject({ code: "NODE_FAILED", port: "x" });
  });

  it("propagates the permuted shape", () => {
    expect(inferNode("tensor/transpose@v1", {}, { x: tk("float32", ["rows", 3]) }).outputs.y).toEqual(tk("float32", [3, "rows"]));
  });
});

describe("tensor/concat@v1", () => {
  it("joins feature blocks along the last axis by default", async () => {
    const { y } = await runNode("tensor/concat@v1", {}, { x0: f32([2, 2], [1, 2, 3, 4]), x1: f32([2, 1], [5, 6]) });
    expect(plain(y)).toEqual({ dtype: "float32", shape: [2, 3], data: [1, 2, 5, 3, 4, 6] });
  });

  it("joins any number of inputs along axis 0, empty ones included", async () => {
    const { y } = await runNode("tensor/concat@v1", { count: 3, axis: 0 }, { x0: f32([2], [1, 2]), x1: f32([0], []), x2: f32([3], [3, 4, 5]) });
    expect(plain(y)).toEqual({ dtype: "float32", shape: [5], data: [1, 2, 3, 4, 5] });
  });

  it("fails naming the input whose dtype or other dims differ", async () => {
    await expect(runNode("tensor/concat@v1", {}, { x0: f32([1, 2], [1, 2]), x1: tensor("float64", [1, 1], [3]) })).rejects.toMatchObject({ code: "NODE_FAILED", port: "x1" });
    await expect(runNode("tensor/concat@v1", {}, { x0: f32([1, 2], [1, 2]), x1: f32([2, 1], [3, 4]) })).rejects.toMatchObject({ port: "x1" });
    await expect(runNode("tensor/concat@v1", {}, { x0: f32([], [1]), x1: f32([], [2]) })).rejects.toMatchObject({ port: "x0" });
  });

  it("adds up the joined dim at compile time and keeps the others", () => {
    expect(inferNode("tensor/concat@v1", {}, { x0: tk("float32", ["rows", 3]), x1: tk("float32", ["rows", 2]) }).outputs.y).toEqual(tk("float32", ["rows", 5]));
    expect(inferNode("tensor/concat@v1", {}, { x0: tk("float32", [2, 3]), x1: tk("float32", ["rows", 2]) }).outputs.y).toEqual(tk("float32", [2, 5]));
    expect(inferNode("tensor/concat@v1", { axis: 0 }, { x0: tk("float32", ["rows", 3]), x1: tk("float32", [1, 3]) }).outputs.y).toEqual(tk("float32", [null, 3]));
  });

  it("reports dtype, dim and axis problems at compile time, naming the port", () => {
    expect(inferNode("tensor/concat@v1", {}, { x0: tk("float32", [1, 3]), x1: tk("int64", [1, 3]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "x1" }]);
    expect(inferNode("tensor/concat@v1", {}, { x0: tk("float32", [1, 3]), x1: tk("float32", [2, 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x1" }]);
    expect(inferNode("tensor/concat@v1", { axis: 2 }, { x0: tk("float32", [1, 3]), x1: tk("float32", [1, 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x0" }]);
  });

  it("has count inputs: fewer connected is a missing input, count out of 2–16 is invalid", () => {
    expect(inferNode("tensor/concat@v1", { count: 3 }, { x0: tk("float32"), x1: tk("float32") }).issues).toMatchObject([{ code: "MISSING_INPUT", port: "x2" }]);
    expect(inferNode("tensor/concat@v1", { count: 1 }, { x0: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "count" }]);
  });
});

describe("tensor/slice@v1", () => {
  const x10 = f32([10], range(10));

  it("takes [start, end) with negative indices and clamping (ONNX Slice)", async () => {
    expect(plain((await runNode("tensor/slice@v1", { starts: [2], ends: [5] }, { x: x10 })).y).data).toEqual([2, 3, 4]);
    expect(plain((await runNode("tensor/slice@v1", { starts: [-3], ends: [2147483647] }, { x: x10 })).y).data).toEqual([7, 8, 9]);
    expect(plain((await runNode("tensor/slice@v1", { starts: [-1], ends: [-1000], steps: [-1] }, { x: x10 })).y).data).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(plain((await runNode("tensor/slice@v1", { starts: [1], ends: [8], steps: [3] }, { x: x10 })).y).data).toEqual([1, 4, 7]);
  });

  it("matches the ONNX spec examples on 2-D data", async () => {
    const data = f32([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const a = await runNode("tensor/slice@v1", { starts: [1, 0], ends: [2, 3], axes: [0, 1], steps: [1, 2] }, { x: data });
    expect(plain(a.y)).toEqual({ dtype: "float32", shape: [1, 2], data: [5, 7] });
    const b = await runNode("tensor/slice@v1", { starts: [0, 1], ends: [-1, 1000] }, { x: data });
    expect(plain(b.y)).toEqual({ dtype: "float32", shape: [1, 3], data: [2, 3, 4] });
    const c = await runNode("tensor/slice@v1", { starts: [-1], ends: [1000], axes: [-1] }, { x: data });
    expect(plain(c.y)).toEqual({ dtype: "float32", shape: [2, 1], data: [4, 8] });
  });

  it("gives an empty tensor when the range is empty", async () => {
    expect(plain((await runNode("tensor/slice@v1", { starts: [5], ends: [2] }, { x: x10 })).y)).toEqual({ dtype: "float32", shape: [0], data: [] });
    expect(plain((await runNode("tensor/slice@v1", { starts: [0], ends: [3] }, { x: f32([0], []) })).y).shape).toEqual([0]);
  });

  it("fails on an axis out of range or sliced twice", async () => {
    await expect(runNode("tensor/slice@v1", { starts: [0], ends: [1], axes: [1] }, { x: x10 })).rejects.toMatchObject({ code: "NODE_FAILED", port: "x" });
    await expect(runNode("tensor/slice@v1", { starts: [0, 0], ends: [1, 1], axes: [0, -1] }, { x: x10 })).rejects.toThrow(/twice/);
  });

  it("checks its params: matching lengths, no zero step", () => {
    expect(inferNode("tensor/slice@v1", { starts: [0, 1], ends: [1] }, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "ends" }]);
    expect(inferNode("tensor/slice@v1", { starts: [0], ends: [1], steps: [0] }, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "steps.0" }]);
  });

  it("propagates fixed dims and leaves sliced symbolic dims unknown", () => {
    expect(inferNode("tensor/slice@v1", { starts: [1], ends: [3], axes: [1] }, { x: tk("float32", ["rows", 4]) }).outputs.y).toEqual(tk("float32", ["rows", 2]));
    expect(inferNode("tensor/slice@v1", { starts: [0], ends: [1] }, { x: tk("float32", ["rows", 4]) }).outputs.y).toEqual(tk("float32", [null, 4]));
    expect(inferNode("tensor/slice@v1", { starts: [0], ends: [1], axes: [2] }, { x: tk("float32", ["rows", 4]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x" }]);
  });
});

describe("tensor/squeeze@v1 and tensor/unsqueeze@v1", () => {
  const x = f32([2, 1, 3, 1], range(6));

  it("squeezes every size-1 dim, or just the listed axes", async () => {
    expect(plain((await runNode("tensor/squeeze@v1", {}, { x })).y)).toEqual({ dtype: "float32", shape: [2, 3], data: range(6) });
    expect(plain((await runNode("tensor/squeeze@v1", { axes: [1] }, { x })).y).shape).toEqual([2, 3, 1]);
    expect(plain((await runNode("tensor/squeeze@v1", { axes: [-1] }, { x })).y).shape).toEqual([2, 1, 3]);
  });

  it("refuses to squeeze a dim that is not 1", async () => {
    const e = await runNodeError("tensor/squeeze@v1", { axes: [0] }, { x });
    expect(e).toMatchObject({ code: "NODE_FAILED", port: "x" });
    expect(e.message).toContain("not 1");
    expect(inferNode("tensor/squeeze@v1", { axes: [1] }, { x: tk("float32", [2, 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x" }]);
  });

  it("squeeze infers the shape, or no rank when a symbolic dim might be 1", () => {
    expect(inferNode("tensor/squeeze@v1", { axes: [1] }, { x: tk("float32", ["rows", 1]) }).outputs.y).toEqual(tk("float32", ["rows"]));
    expect(inferNode("tensor/squeeze@v1", {}, { x: tk("float32", ["rows", 1]) }).outputs.y).toEqual(tk("float32"));
    expect(inferNode("tensor/squeeze@v1", {}, { x: tk("float32", [1, 3, 1]) }).outputs.y).toEqual(tk("float32", [3]));
  });

  it("unsqueezes at output positions, negative ones counted from the output's end", async () => {
    const v = f32([3], [1, 2, 3]);
    expect(plain((await runNode("tensor/unsqueeze@v1", { axes: [0] }, { x: v })).y).shape).toEqual([1, 3]);
    expect(plain((await runNode("tensor/unsqueeze@v1", { axes: [-1] }, { x: v })).y).shape).toEqual([3, 1]);
    expect(plain((await runNode("tensor/unsqueeze@v1", { axes: [0, 3] }, { x: f32([2, 3], range(6)) })).y).shape).toEqual([1, 2, 3, 1]);
  });

  it("unsqueeze refuses out-of-range and repeated axes", async () => {
    await expect(runNode("tensor/unsqueeze@v1", { axes: [5] }, { x: f32([3], [1, 2, 3]) })).rejects.toMatchObject({ port: "x" });
    await expect(runNode("tensor/unsqueeze@v1", { axes: [0, -3] }, { x: f32([3], [1, 2, 3]) })).rejects.toThrow(/twice/);
    expect(inferNode("tensor/unsqueeze@v1", { axes: [3] }, { x: tk("float32", ["rows"]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH" }]);
    expect(inferNode("tensor/unsqueeze@v1", { axes: [-1] }, { x: tk("float32", ["rows"]) }).outputs.y).toEqual(tk("float32", ["rows", 1]));
  });
});

describe("tensor/stack@v1", () => {
  it("stacks along a new first axis by default, or a new last one", async () => {
    const inputs = { x0: f32([2], [1, 2]), x1: f32([2], [3, 4]) };
    expect(plain((await runNode("tensor/stack@v1", {}, inputs)).y)).toEqual({ dtype: "float32", shape: [2, 2], data: [1, 2, 3, 4] });
    expect(plain((await runNode("tensor/stack@v1", { axis: -1 }, inputs)).y)).toEqual({ dtype: "float32", shape: [2, 2], data: [1, 3, 2, 4] });
  });

  it("stacks three [2, 2] tensors on axis 1 into [2, 3, 2]", async () => {
    const inputs = { x0: f32([2, 2], [1, 2, 3, 4]), x1: f32([2, 2], [5, 6, 7, 8]), x2: f32([2, 2], [9, 10, 11, 12]) };
    const { y } = await runNode("tensor/stack@v1", { count: 3, axis: 1 }, inputs);
    expect(plain(y)).toEqual({ dtype: "float32", shape: [2, 3, 2], data: [1, 2, 5, 6, 9, 10, 3, 4, 7, 8, 11, 12] });
  });

  it("needs one shape: fails naming the odd input out, at compile and run time", async () => {
    await expect(runNode("tensor/stack@v1", {}, { x0: f32([2], [1, 2]), x1: f32([3], [1, 2, 3]) })).rejects.toMatchObject({ code: "NODE_FAILED", port: "x1" });
    expect(inferNode("tensor/stack@v1", {}, { x0: tk("float32", ["rows", 2]), x1: tk("float32", ["rows", 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x1" }]);
  });

  it("propagates the stacked shape", () => {
    expect(inferNode("tensor/stack@v1", { axis: -1 }, { x0: tk("float32", ["rows", 3]), x1: tk("float32", ["rows", 3]) }).outputs.y).toEqual(tk("float32", ["rows", 3, 2]));
    expect(inferNode("tensor/stack@v1", { axis: 3 }, { x0: tk("float32", [3]), x1: tk("float32", [3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH" }]);
  });
});

// Half floats are stored as raw bits: tensor ops must move them, never re-encode them as numbers.
describe("tensor ops on float16", () => {
  it("moves half floats bit for bit", async () => {
    const half = await runNode("tensor/cast@v1", { to: "float16" }, { x: f32([2, 2], [0.5, 1, 1.5, 2]) });
    const { y } = await runNode("tensor/transpose@v1", {}, { x: half.y });
    expectClose(plain(y).data, [0.5, 1.5, 1, 2]);
  });
});
