/**
 * Issue 13, item 4: the tensor math nodes (pad, reduce, arithmetic, clip) and argmax/concat on any axis.
 * Values are checked against ONNX Runtime running the equivalent ONNX operator (a one-node model from
 * test/helpers/onnx-builder.ts), then by hand where ONNX has nothing to say (integer division by zero,
 * bad params); shape inference and compile issues through the compiler.
 */
import ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { toNumbers, type TAnyTensor } from "@/server/engine/values/tensor.ts";
import { buildModel, ONNX_TYPE, type TAttributeSpec, type TTensorSpec } from "../helpers/onnx-builder.ts";
import { f32, inferNode, plain, runNode, runNodeError, tensor, tk } from "./harness.ts";

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);
const ELEM: Record<string, number> = { float32: ONNX_TYPE.FLOAT, float64: ONNX_TYPE.DOUBLE, float16: ONNX_TYPE.FLOAT16, int8: ONNX_TYPE.INT8, int32: ONNX_TYPE.INT32, int64: ONNX_TYPE.INT64, uint8: ONNX_TYPE.UINT8, bool: ONNX_TYPE.BOOL };
const int64s = (name: string, values: number[]): TTensorSpec => ({ name, dataType: ONNX_TYPE.INT64, dims: [values.length], int64s: values });

const sessions: ort.InferenceSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

/**
 * The reference: one ONNX operator run by ONNX Runtime on engine tensors. `consts` are further operator
 * inputs baked in as initializers (pads, axes, bounds); an empty name skips an optional input.
 */
async function onnx(op: string, inputs: Record<string, TAnyTensor>, opts: { attributes?: TAttributeSpec[]; consts?: (TTensorSpec | "")[]; outDtype?: string; opset?: number } = {}): Promise<TAnyTensor> {
  const names = Object.keys(inputs);
  const consts = opts.consts ?? [];
  const first = inputs[names[0]!]!;
  const bytes = buildModel({
    opset: opts.opset ?? 18,
    graph: {
      name: op,
      nodes: [{ op, inputs: [...names, ...consts.map((c) => (c === "" ? "" : c.name))], outputs: ["y"], ...(opts.attributes ? { attributes: opts.attributes } : {}) }],
      inputs: names.map((n) => ({ name: n, elemType: ELEM[inputs[n]!.dtype]!, shape: [...inputs[n]!.shape] })),
      outputs: [{ name: "y", elemType: ELEM[opts.outDtype ?? first.dtype]! }],
      initializers: consts.filter((c): c is TTensorSpec => c !== ""),
    },
  });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, logSeverityLevel: 3 });
  sessions.push(session);
  const feeds = Object.fromEntries(names.map((n) => [n, new ort.Tensor(inputs[n]!.dtype as "float32", inputs[n]!.data as Float32Array, [...inputs[n]!.shape])]));
  const y = (await session.run(feeds)).y!;
  return { kind: "tensor", dtype: y.type, shape: [...y.dims], data: y.data } as unknown as TAnyTensor;
}

/** Same dtype, shape and elements, bit for bit (NaN as NaN, -0 as -0); 64-bit integers compared as bigints. */
function expectSame(actual: unknown, reference: TAnyTensor): void {
  const a = actual as TAnyTensor;
  expect(a.dtype).toBe(reference.dtype);
  expect([...a.shape]).toEqual([...reference.shape]);
  if (a.dtype === "int64" || a.dtype === "uint64") {
    expect(Array.from(a.data as BigInt64Array)).toEqual(Array.from(reference.data as BigInt64Array));
    return;
  }
  const [got, want] = [toNumbers(a), toNumbers(reference)];
  expect(got.length).toBe(want.length);
  want.forEach((w, k) => expect(Object.is(got[k], w), `element ${k}: got ${got[k]}, ONNX Runtime gives ${w}`).toBe(true));
}

/** Elements within float32 rounding of the reference (sums whose order of additions differs). */
function expectNear(actual: unknown, reference: TAnyTensor): void {
  const a = actual as TAnyTensor;
  expect(a.dtype).toBe(reference.dtype);
  expect([...a.shape]).toEqual([...reference.shape]);
  const want = toNumbers(reference);
  toNumbers(a).forEach((g, k) => (Number.isFinite(want[k]!) ? expect(g).toBeCloseTo(want[k]!, 4) : expect(g).toBe(want[k])));
}

const SPECIAL = [-Infinity, -2.5, -1, -0, 0, 0.5, 1, 3, Infinity, NaN, 7, -7];

describe("tensor/pad@v1", () => {
  const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);

  it.each([
    ["constant", { before: [1, 0], after: [0, 2], value: -9 }, [1, 0, 0, 2]],
    ["edge", { before: [1, 2], after: [2, 1], mode: "edge" }, [1, 2, 2, 1]],
    ["reflect", { before: [1, 2], after: [1, 2], mode: "reflect" }, [1, 2, 1, 2]],
  ] as const)("%s mode on both axes matches ONNX Pad", async (mode, params, pads) => {
    const { y } = await runNode("tensor/pad@v1", params, { x });
    const value = "value" in params ? [{ name: "value", dataType: ONNX_TYPE.FLOAT, dims: [], floats: [params.value] }] : [""];
    const ref = await onnx("Pad", { x }, { attributes: [{ name: "mode", s: mode }], consts: [int64s("pads", [...pads]), ...(value as (TTensorSpec | "")[])] });
    expectSame(y, ref);
  });

  it("pads only the listed axis, negative axes counted from the end (ONNX Pad axes input)", async () => {
    const audio = f32([2, 5], range(10));
    const { y } = await runNode("tensor/pad@v1", { axes: [-1], before: [3], after: [2], mode: "reflect" }, { x: audio });
    expectSame(y, await onnx("Pad", { x: audio }, { attributes: [{ name: "mode", s: "reflect" }], consts: [int64s("pads", [3, 2]), "", int64s("axes", [-1])] }));
    // by hand: reflect without repeating the edge
    expect(plain(y).data.slice(0, 10)).toEqual([3, 2, 1, 0, 1, 2, 3, 4, 3, 2]);
  });

  it("removes elements for negative counts, as ONNX Pad does", async () => {
    const x3 = f32([2, 3, 4], range(24));
    const { y } = await runNode("tensor/pad@v1", { axes: [1, 2], before: [-1, 2], after: [1, -3] }, { x: x3 });
    expectSame(y, await onnx("Pad", { x: x3 }, { consts: [int64s("pads", [-1, 2, 1, -3]), "", int64s("axes", [1, 2])] }));
    expect(plain(y).shape).toEqual([2, 3, 3]);
  });

  it("pads integer tensors exactly, int64 beyond 2^53 included", async () => {
    const big = tensor("int64", [3], [0, 0, 0]);
    (big.data as BigInt64Array).set([2n ** 60n + 1n, -5n, 7n]);
    const { y } = await runNode("tensor/pad@v1", { before: [2], after: [1], mode: "edge" }, { x: big });
    expect(Array.from((y as { data: BigInt64Array }).data)).toEqual([2n ** 60n + 1n, 2n ** 60n + 1n, 2n ** 60n + 1n, -5n, 7n, 7n]);
    const small = tensor("int32", [2], [1, 2]);
    const c = await runNode("tensor/pad@v1", { before: [1], after: [1], value: -3 }, { x: small });
    expectSame(c.y, await onnx("Pad", { x: small }, { consts: [int64s("pads", [1, 1]), { name: "v", dataType: ONNX_TYPE.INT32, dims: [], raw: new Uint8Array(Int32Array.from([-3]).buffer) }] }));
  });

  it("infers the padded shape; symbolic dims stay only when not padded", () => {
    expect(inferNode("tensor/pad@v1", { axes: [-1], before: [2], after: [3] }, { x: tk("float32", ["batch", 10]) }).outputs.y).toEqual(tk("float32", ["batch", 15]));
    expect(inferNode("tensor/pad@v1", { before: [1, 0], after: [1, 0] }, { x: tk("float32", ["batch", 10]) }).outputs.y).toEqual(tk("float32", [null, 10]));
    expect(inferNode("tensor/pad@v1", { before: [0], after: [0] }, { x: tk("int64", ["batch"]) }).outputs.y).toEqual(tk("int64", ["batch"]));
  });

  it("reports bad params, axes, sizes and values at compile time", () => {
    expect(inferNode("tensor/pad@v1", { before: [1, 2], after: [1] }, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", nodeId: "node", path: "after" }]);
    expect(inferNode("tensor/pad@v1", { before: [1], after: [1], mode: "edge", value: 3 }, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "value" }]);
    expect(inferNode("tensor/pad@v1", { axes: [2], before: [1], after: [1] }, { x: tk("float32", [2, 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x" }]);
    expect(inferNode("tensor/pad@v1", { axes: [0, -2], before: [1, 1], after: [1, 1] }, { x: tk("float32", [2, 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", message: expect.stringMatching(/twice/) }]);
    expect(inferNode("tensor/pad@v1", { before: [3], after: [0], mode: "reflect" }, { x: tk("float32", [3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x" }]);
    expect(inferNode("tensor/pad@v1", { before: [-3], after: [-1] }, { x: tk("float32", [3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH" }]);
    expect(inferNode("tensor/pad@v1", { before: [1], after: [1], value: 0.5 }, { x: tk("int32", [3]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "x" }]);
  });

  it("fails at run time naming the node and port when the shape cannot take the padding", async () => {
    const e = await runNodeError("tensor/pad@v1", { before: [4], after: [0], mode: "reflect" }, { x: f32([3], [1, 2, 3]) });
    expect(e).toMatchObject({ code: "NODE_FAILED", nodeId: "node", port: "x" });
    expect(e.message).toMatch(/reflect padding by 4/);
    await expect(runNode("tensor/pad@v1", { before: [1], after: [1], mode: "edge" }, { x: f32([0], []) })).rejects.toMatchObject({ code: "NODE_FAILED", port: "x" });
    await expect(runNode("tensor/pad@v1", { before: [1], after: [1], value: 300 }, { x: tensor("uint8", [1], [1]) })).rejects.toThrow(/outside the range of uint8/);
  });
});

describe("tensor/reduce@v1", () => {
  const x = f32([2, 3, 4], [...SPECIAL.slice(0, 10), ...range(14, -6).map((v) => v * 1.25)]);
  const ONNX_OP = { max: "ReduceMax", min: "ReduceMin", mean: "ReduceMean", sum: "ReduceSum" } as const;

  const cases: [keyof typeof ONNX_OP, number[] | undefined, boolean][] = [
    ["max", [1], true],
    ["min", [-1], false],
    ["max", [0, 2], false],
    ["min", undefined, true],
    ["sum", [1], true],
    ["mean", [0], false],
    ["sum", [], false],
    ["mean", [-1, 0], true],
  ];
  it.each(cases)("%s over axes %j (keepdims %s) matches ONNX Runtime, ±Infinity included (NaN too, for sum and mean)", async (op, axes, keepdims) => {
    // ONNX Runtime's max/min with NaN depend on where it sits: those are checked by hand below.
    const data = op === "max" || op === "min" ? f32([2, 3, 4], toNumbers(x).map((v) => (Number.isNaN(v) ? 42 : v))) : x;
    const { y } = await runNode("tensor/reduce@v1", { op, ...(axes ? { axes } : {}), keepdims }, { x: data });
    const ref = await onnx(ONNX_OP[op], { x: data }, { attributes: [{ name: "keepdims", i: keepdims ? 1 : 0 }], consts: axes?.length ? [int64s("axes", axes)] : [] });
    expectSame(y, ref);
  });

  it("propagates NaN in max/min wherever it sits (numpy; ONNX Runtime's answer depends on the position)", async () => {
    const nans = f32([3, 2], [NaN, NaN, NaN, 1, 2, NaN]);
    for (const op of ["max", "min"] as const) {
      expect(plain((await runNode("tensor/reduce@v1", { op, axes: [1], keepdims: false }, { x: nans })).y).data).toEqual([NaN, NaN, NaN]);
      expect(plain((await runNode("tensor/reduce@v1", { op, axes: [0], keepdims: false }, { x: nans })).y).data).toEqual([NaN, NaN]);
    }
    expect(plain((await runNode("tensor/reduce@v1", { op: "max", axes: [0] }, { x: f32([3, 1], [-Infinity, 2, -0]) })).y).data).toEqual([2]);
  });

  it("sums and averages finite float32 data like ONNX Runtime (to rounding)", async () => {
    const v = f32([3, 50], range(150).map((i) => Math.sin(i) * 100));
    for (const op of ["sum", "mean"] as const) {
      const { y } = await runNode("tensor/reduce@v1", { op, axes: [1] }, { x: v });
      expectNear(y, await onnx(ONNX_OP[op], { x: v }, { attributes: [{ name: "keepdims", i: 1 }], consts: [int64s("axes", [1])] }));
    }
  });

  it("keeps integer dtypes: means truncate toward zero as in ONNX Runtime, sums wrap, int64 is exact", async () => {
    const ints = tensor("int32", [2, 3], [2147483640, 1, 1, -7, 2, 0]);
    for (const op of ["sum", "mean", "max", "min"] as const) {
      const { y } = await runNode("tensor/reduce@v1", { op, axes: [1] }, { x: ints });
      expectSame(y, await onnx(ONNX_OP[op], { x: ints }, { attributes: [{ name: "keepdims", i: 1 }], consts: [int64s("axes", [1])] }));
    }
    expect(plain((await runNode("tensor/reduce@v1", { op: "mean", axes: [1], keepdims: false }, { x: ints })).y).data).toEqual([715827880, -1]);
    // overflow (undefined in ONNX; ONNX Runtime saturates here) wraps as two's complement
    const wraps = tensor("int32", [3], [2147483647, 1, 1]);
    expect(plain((await runNode("tensor/reduce@v1", { op: "sum" }, { x: wraps })).y).data).toEqual([-2147483647]);
    const big = tensor("int64", [2], [0, 0]);
    (big.data as BigInt64Array).set([2n ** 60n + 1n, 2n ** 60n + 2n]);
    expect(Array.from(((await runNode("tensor/reduce@v1", { op: "sum" }, { x: big })).y as { data: BigInt64Array }).data)).toEqual([2n ** 61n + 3n]);
    expect(Array.from(((await runNode("tensor/reduce@v1", { op: "max", keepdims: false }, { x: big })).y as { data: BigInt64Array }).data)).toEqual([2n ** 60n + 2n]);
  });

  it("takes bool for max/min (any/all) but not for sum", async () => {
    const mask = tensor("bool", [2, 2], [0, 1, 0, 0]);
    expect(plain((await runNode("tensor/reduce@v1", { op: "max", axes: [1], keepdims: false }, { x: mask })).y)).toEqual({ dtype: "bool", shape: [2], data: [1, 0] });
    expect(inferNode("tensor/reduce@v1", { op: "sum" }, { x: tk("bool", [2]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "x" }]);
  });

  it("infers the reduced shape, symbolic dims kept", () => {
    expect(inferNode("tensor/reduce@v1", { op: "mean", axes: [-1] }, { x: tk("float32", ["batch", 2, 400]) }).outputs.y).toEqual(tk("float32", ["batch", 2, 1]));
    expect(inferNode("tensor/reduce@v1", { op: "max", axes: [1, 2], keepdims: false }, { x: tk("float16", ["batch", 2, 400]) }).outputs.y).toEqual(tk("float16", ["batch"]));
    expect(inferNode("tensor/reduce@v1", { op: "sum", keepdims: false }, { x: tk("float32", ["batch", 3]) }).outputs.y).toEqual(tk("float32", []));
    expect(inferNode("tensor/reduce@v1", { op: "sum" }, { x: tk("float32", ["batch", 3]) }).outputs.y).toEqual(tk("float32", [1, 1]));
    expect(inferNode("tensor/reduce@v1", { op: "sum", axes: [0] }, { x: tk("float32") }).outputs.y).toEqual(tk("float32"));
  });

  it("reports bad ops, axes and empty reductions, naming the node", async () => {
    expect(inferNode("tensor/reduce@v1", { op: "median" }, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", nodeId: "node", path: "op" }]);
    expect(inferNode("tensor/reduce@v1", { op: "sum", axes: [2] }, { x: tk("float32", [2, 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x" }]);
    expect(inferNode("tensor/reduce@v1", { op: "sum", axes: [1, -1] }, { x: tk("float32", [2, 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", message: expect.stringMatching(/twice/) }]);
    await expect(runNode("tensor/reduce@v1", { op: "sum", axes: [3] }, { x: f32([2], [1, 2]) })).rejects.toMatchObject({ code: "NODE_FAILED", nodeId: "node", port: "x" });
    await expect(runNode("tensor/reduce@v1", { op: "max", axes: [1] }, { x: f32([2, 0], []) })).rejects.toThrow(/empty axis/);
    expect(plain((await runNode("tensor/reduce@v1", { op: "sum", axes: [1] }, { x: f32([2, 0], []) })).y)).toEqual({ dtype: "float32", shape: [2, 1], data: [0, 0] });
    expect(plain((await runNode("tensor/reduce@v1", { op: "mean", axes: [1] }, { x: f32([1, 0], []) })).y).data).toEqual([NaN]);
  });
});

describe("tensor/arithmetic@v1", () => {
  const A = f32([2, 6], SPECIAL);
  const B = f32([2, 6], [2, 0, -0, Infinity, 1, 1, NaN, 5, -Infinity, -0, 0.25, 3]);
  const ONNX_OP = { add: "Add", sub: "Sub", mul: "Mul", div: "Div" } as const;
  const OPS = ["add", "sub", "mul", "div"] as const;

  it.each(OPS)("%s of two float32 tensors matches ONNX Runtime bit for bit (IEEE: x/0 is ±Infinity, 0/0 NaN)", async (op) => {
    const { y } = await runNode("tensor/arithmetic@v1", { op }, { a: A, b: B });
    expectSame(y, await onnx(ONNX_OP[op], { a: A, b: B }));
  });

  it.each(OPS)("%s broadcasts like numpy/ONNX: [2, 1, 3] with [4, 1] → [2, 4, 3]", async (op) => {
    const a = f32([2, 1, 3], [1, -2, 3.5, 0, 7, -0.1]);
    const b = f32([4, 1], [3, -1, 0.3, 10]);
    const { y } = await runNode("tensor/arithmetic@v1", { op }, { a, b });
    expectSame(y, await onnx(ONNX_OP[op], { a, b }));
    expect(plain(y).shape).toEqual([2, 4, 3]);
  });

  it.each(OPS)("%s with a scalar matches ONNX with a scalar constant, either side", async (op) => {
    const scalar = { name: "s", dataType: ONNX_TYPE.FLOAT, dims: [], floats: [0.3] };
    const { y } = await runNode("tensor/arithmetic@v1", { op, scalar: 0.3 }, { a: A });
    expectSame(y, await onnx(ONNX_OP[op], { a: A }, { consts: [scalar] }));
    const swapped = await runNode("tensor/arithmetic@v1", { op, scalar: 0.3, scalarFirst: true }, { a: A });
    // Build s op a: the scalar as the first operand.
    const bytes = buildModel({ opset: 18, graph: { nodes: [{ op: ONNX_OP[op], inputs: ["s", "a"], outputs: ["y"] }], inputs: [{ name: "a", elemType: ONNX_TYPE.FLOAT, shape: [2, 6] }], outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT }], initializers: [scalar] } });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    sessions.push(session);
    const ref = (await session.run({ a: new ort.Tensor("float32", A.data as Float32Array, [2, 6]) })).y!;
    expectSame(swapped.y, { kind: "tensor", dtype: "float32", shape: ref.dims, data: ref.data } as unknown as TAnyTensor);
  });

  it.each([
    ["int32", [2147483647, -7, 7, -2147483648, 46341, 0], [1, 2, -2, -1, 46341, 5]],
    ["int64", [9007199254740991, -7, 7, -9, 3, 0], [2, 2, -2, 4, -3, 5]],
    ["uint8", [250, 7, 3, 0, 200, 9], [10, 2, 5, 1, 2, 3]],
    ["int8", [127, -7, 7, -128, 100, 0], [1, 2, -2, -1, 3, 5]],
  ] as const)("%s: wraps on overflow and truncates division toward zero, like ONNX Runtime", async (dtype, a, b) => {
    const ta = tensor(dtype, [6], a);
    const tb = tensor(dtype, [6], b);
    for (const op of OPS) {
      // INT_MIN / -1 overflows in C (ONNX Runtime's result is undefined there): compared by hand below.
      if (op === "div" && (dtype === "int32" || dtype === "int8")) continue;
      const { y } = await runNode("tensor/arithmetic@v1", { op }, { a: ta, b: tb });
      expectSame(y, await onnx(ONNX_OP[op], { a: ta, b: tb }));
    }
  });

  it("divides integers truncating toward zero (not numpy's floor), INT_MIN / -1 wrapping", async () => {
    const a = tensor("int32", [4], [-7, 7, -2147483648, 9]);
    const b = tensor("int32", [4], [2, -2, -1, 3]);
    expect(plain((await runNode("tensor/arithmetic@v1", { op: "div" }, { a, b })).y).data).toEqual([-3, -3, -2147483648, 3]);
    expect(plain((await runNode("tensor/arithmetic@v1", { op: "div", scalar: -2 }, { a: tensor("int8", [3], [-7, 7, -128]) })).y).data).toEqual([3, -3, 64]);
    expect(plain((await runNode("tensor/arithmetic@v1", { op: "mul", scalar: 3 }, { a: tensor("int32", [1], [1_000_000_000]) })).y).data).toEqual([-1294967296]);
  });

  it("fails with DIVISION_BY_ZERO on integer division by zero, naming node, port and element", async () => {
    const e = await runNodeError("tensor/arithmetic@v1", { op: "div" }, { a: tensor("int32", [3], [1, 2, 3]), b: tensor("int32", [3], [1, 0, 1]) });
    expect(e).toMatchObject({ code: "NODE_FAILED", nodeId: "node", port: "b", details: { reason: "DIVISION_BY_ZERO" } });
    expect(e.message).toMatch(/element 1/);
    const big = await runNodeError("tensor/arithmetic@v1", { op: "div", scalar: 4, scalarFirst: true }, { a: tensor("int64", [2], [2, 0]) });
    expect(big).toMatchObject({ port: "a", details: { reason: "DIVISION_BY_ZERO" } });
    // floats never fail
    expect(plain((await runNode("tensor/arithmetic@v1", { op: "div", scalar: 0 }, { a: f32([3], [1, -1, 0]) })).y).data).toEqual([Infinity, -Infinity, NaN]);
  });

  it("computes float16 in half precision and float64 exactly", async () => {
    const half = (await runNode("tensor/cast@v1", { to: "float16" }, { x: f32([4], [1, 1000, 0.1, -3]) })).y as TAnyTensor;
    const { y } = await runNode("tensor/arithmetic@v1", { op: "mul" }, { a: half, b: half });
    expectSame(y, await onnx("Mul", { a: half, b: half }));
    const d = tensor("float64", [2], [0.1, 1e300]);
    expectSame((await runNode("tensor/arithmetic@v1", { op: "add" }, { a: d, b: d })).y, await onnx("Add", { a: d, b: d }));
  });

  it("infers the broadcast shape and refuses mismatched dtypes and shapes at compile time", () => {
    expect(inferNode("tensor/arithmetic@v1", { op: "add" }, { a: tk("float32", ["batch", 2, 400]), b: tk("float32", [2, 1]) }).outputs.y).toEqual(tk("float32", ["batch", 2, 400]));
    expect(inferNode("tensor/arithmetic@v1", { op: "mul" }, { a: tk("float32", [1, 3]), b: tk("float32", ["rows", 1]) }).outputs.y).toEqual(tk("float32", ["rows", 3]));
    expect(inferNode("tensor/arithmetic@v1", { op: "sub" }, { a: tk("float32", ["n"]), b: tk("float32", ["m"]) }).outputs.y).toEqual(tk("float32", [null]));
    expect(inferNode("tensor/arithmetic@v1", { op: "div", scalar: 2 }, { a: tk("int64", ["rows", 3]) }).outputs.y).toEqual(tk("int64", ["rows", 3]));
    expect(inferNode("tensor/arithmetic@v1", { op: "add" }, { a: tk("float32", [2, 3]), b: tk("float32", [2]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", nodeId: "node", port: "b" }]);
    expect(inferNode("tensor/arithmetic@v1", { op: "add" }, { a: tk("float32", [3]), b: tk("int64", [3]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "b" }]);
    expect(inferNode("tensor/arithmetic@v1", { op: "add", scalar: 0.5 }, { a: tk("int32", [3]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "a" }]);
    expect(inferNode("tensor/arithmetic@v1", { op: "add" }, { a: tk("bool", [3]), b: tk("bool", [3]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "a" }, { code: "DTYPE_MISMATCH", port: "b" }]);
    expect(inferNode("tensor/arithmetic@v1", { op: "pow" }, { a: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "op" }]);
    // without a scalar, b must be connected
    expect(inferNode("tensor/arithmetic@v1", { op: "add" }, { a: tk("float32") }).issues).toMatchObject([{ code: "MISSING_INPUT", port: "b" }]);
  });

  it("refuses at run time what it refuses at compile time, naming the port", async () => {
    await expect(runNode("tensor/arithmetic@v1", { op: "add" }, { a: f32([2, 3], range(6)), b: f32([2], [1, 2]) })).rejects.toMatchObject({ code: "NODE_FAILED", port: "b" });
    await expect(runNode("tensor/arithmetic@v1", { op: "add" }, { a: f32([1], [1]), b: tensor("float64", [1], [1]) })).rejects.toMatchObject({ port: "b" });
    await expect(runNode("tensor/arithmetic@v1", { op: "add", scalar: 256 }, { a: tensor("uint8", [1], [1]) })).rejects.toMatchObject({ port: "a", message: expect.stringMatching(/outside the range of uint8/) });
  });
});

describe("tensor/clip@v1", () => {
  const x = f32([2, 6], SPECIAL);
  const scalar = (v: number): TTensorSpec => ({ name: `b${v}`, dataType: ONNX_TYPE.FLOAT, dims: [], floats: [v] });

  it.each([
    [{ min: -1, max: 2 }, [scalar(-1), scalar(2)]],
    [{ min: 0 }, [scalar(0)]],
    [{ max: 0.5 }, ["", scalar(0.5)]],
    [{ min: 0.1, max: 0.7 }, [scalar(0.1), scalar(0.7)]],
  ] as const)("with %j matches ONNX Clip (NaN stays NaN, -0 kept)", async (params, consts) => {
    // Without one of the bounds ONNX Runtime clips ±Infinity to ±FLT_MAX: compared on finite data, by hand below.
    const data = "min" in params && "max" in params ? x : f32([9], SPECIAL.filter(Number.isFinite));
    const { y } = await runNode("tensor/clip@v1", params, { x: data });
    expectSame(y, await onnx("Clip", { x: data }, { consts: [...consts], opset: 13 }));
  });

  it("treats a missing bound as none: ±Infinity stay (numpy.clip)", async () => {
    expect(plain((await runNode("tensor/clip@v1", { min: 0 }, { x: f32([3], [Infinity, -Infinity, NaN]) })).y).data).toEqual([Infinity, 0, NaN]);
    expect(plain((await runNode("tensor/clip@v1", { max: 0 }, { x: f32([2], [Infinity, -Infinity]) })).y).data).toEqual([0, -Infinity]);
  });

  it("takes per-channel bounds as tensors broadcast to x", async () => {
    const audio = f32([2, 3], [-5, 0.5, 5, -5, 0.5, 5]);
    const { y } = await runNode("tensor/clip@v1", {}, { x: audio, min: f32([2, 1], [-1, 0]), max: f32([2, 1], [1, 0.25]) });
    expect(plain(y)).toEqual({ dtype: "float32", shape: [2, 3], data: [-1, 0.5, 1, 0, 0.25, 0.25] });
    // the upper bound wins where min > max (ONNX), per element
    const z = await runNode("tensor/clip@v1", { max: 1 }, { x: f32([2], [-3, 3]), min: f32([2], [2, 2]) });
    expect(plain(z.y).data).toEqual([1, 1]);
  });

  it("rounds number bounds inwards on integers and holds them to the dtype's range", async () => {
    const ints = tensor("int32", [3], [-5, 2, 9]);
    expect(plain((await runNode("tensor/clip@v1", { min: 0.5, max: 7.5 }, { x: ints })).y)).toEqual({ dtype: "int32", shape: [3], data: [1, 2, 7] });
    expect(plain((await runNode("tensor/clip@v1", { min: 300 }, { x: tensor("uint8", [2], [1, 255]) })).y).data).toEqual([255, 255]);
    const big = tensor("int64", [2], [0, 0]);
    (big.data as BigInt64Array).set([2n ** 60n + 1n, -(2n ** 60n)]);
    expect(Array.from(((await runNode("tensor/clip@v1", { min: -1 }, { x: big })).y as { data: BigInt64Array }).data)).toEqual([2n ** 60n + 1n, -1n]);
    const i8 = tensor("int8", [4], [-128, -3, 50, 127]);
    expectSame((await runNode("tensor/clip@v1", { min: -4, max: 60 }, { x: i8 })).y, await onnx("Clip", { x: i8 }, { opset: 13, consts: [{ name: "lo", dataType: ONNX_TYPE.INT8, dims: [], raw: new Uint8Array(Int8Array.from([-4]).buffer) }, { name: "hi", dataType: ONNX_TYPE.INT8, dims: [], raw: Uint8Array.from([60]) }] }));
  });

  it("keeps x's kind at compile time; refuses bad bounds naming the port", async () => {
    expect(inferNode("tensor/clip@v1", { min: 0 }, { x: tk("float32", ["batch", 3]) }).outputs.y).toEqual(tk("float32", ["batch", 3]));
    expect(inferNode("tensor/clip@v1", { min: 1, max: 0 }, { x: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", nodeId: "node", path: "max" }]);
    expect(inferNode("tensor/clip@v1", {}, { x: tk("float32", [2, 3]), min: tk("int32", [1]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "min" }]);
    expect(inferNode("tensor/clip@v1", {}, { x: tk("float32", [2, 3]), max: tk("float32", [2]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "max" }]);
    expect(inferNode("tensor/clip@v1", {}, { x: tk("float32", [3]), max: tk("float32", [2, 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "max" }]);
    await expect(runNode("tensor/clip@v1", {}, { x: f32([3], [1, 2, 3]), min: f32([2, 3], range(6)) })).rejects.toMatchObject({ code: "NODE_FAILED", nodeId: "node", port: "min" });
    await expect(runNode("tensor/clip@v1", { min: 0 }, { x: tensor("bool", [1], [1]) })).rejects.toMatchObject({ port: "x" });
  });
});

describe("post/argmax@v1 and tensor/concat@v1 on any axis", () => {
  const x = f32([2, 3, 4], [3, NaN, 1, 1, ...range(8).map((v) => (v * 7) % 5), -Infinity, 2, 2, Infinity, ...range(8).map((v) => -v)]);

  it.each([
    [0, true],
    [1, false],
    [-1, true],
    [-2, false],
  ] as const)("argmax over axis %i (keepdims %s) matches ONNX ArgMax on finite data", async (axis, keepdims) => {
    const finite = f32([2, 3, 4], range(24).map((v) => ((v * 7) % 11) - 5));
    const { indices } = await runNode("post/argmax@v1", { axis, keepdims }, { x: finite });
    expectSame(indices, await onnx("ArgMax", { x: finite }, { attributes: [{ name: "axis", i: axis }, { name: "keepdims", i: keepdims ? 1 : 0 }], outDtype: "int64" }));
  });

  it("argmax on a middle axis, by hand: ties go to the first index, ±Infinity count, NaN never wins", async () => {
    const { indices } = await runNode("post/argmax@v1", { axis: 1, keepdims: false }, { x });
    expect(plain(indices)).toEqual({ dtype: "int64", shape: [2, 4], data: [0, 1, 1, 2, 1, 0, 0, 0] });
  });

  it.each([0, 1, 2, -2])("concat along axis %i of rank-3 tensors matches ONNX Concat", async (axis) => {
    const shapes = { 0: [[1, 3, 4], [2, 3, 4]], 1: [[2, 1, 4], [2, 3, 4]], 2: [[2, 3, 1], [2, 3, 4]], [-2]: [[2, 2, 4], [2, 3, 4]] }[axis]!;
    const a = f32(shapes[0]!, range(shapes[0]!.reduce((p, d) => p * d, 1), 100));
    const b = f32(shapes[1]!, range(24));
    const { y } = await runNode("tensor/concat@v1", { axis }, { x0: a, x1: b });
    expectSame(y, await onnx("Concat", { a, b }, { attributes: [{ name: "axis", i: axis }] }));
  });

  it("stack on a middle axis equals Unsqueeze + Concat in ONNX", async () => {
    const a = f32([2, 3], range(6));
    const b = f32([2, 3], range(6, 10));
    const { y } = await runNode("tensor/stack@v1", { axis: 1 }, { x0: a, x1: b });
    const ua = await onnx("Unsqueeze", { a }, { consts: [int64s("ax", [1])] });
    const ub = await onnx("Unsqueeze", { b }, { consts: [int64s("ax", [1])] });
    expectSame(y, await onnx("Concat", { a: ua, b: ub }, { attributes: [{ name: "axis", i: 1 }] }));
  });
});
