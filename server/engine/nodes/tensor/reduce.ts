import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds, type TDim } from "../../types/kinds.ts";
import { allocate, FLOAT_DTYPES, makeTensor, sizeOf, writeNumber, type TAnyTensor, type TDataTypeMap, type TDtype } from "../../values/tensor.ts";
import { dtypeIssue, NUMERIC, tensorInput, tensorKindOf } from "../shared.ts";
import { axesOrIssue, forEachBroadcast, INT_RANGE, isWide, MATH_DTYPES, normAxes, readRaw } from "./shared-tensor.ts";

const OPS = ["max", "min", "mean", "sum"] as const;

export const reduce = defineNode({
  type: "tensor/reduce@v1",
  title: "Reduce",
  category: "tensor",
  description:
    "Max, min, mean or sum over some axes (ONNX ReduceMax/ReduceMin/ReduceMean/ReduceSum); no axes reduces over all of them. With keepdims (the default, as in ONNX) reduced axes stay as dims of size 1: [channels, n] over axis -1 → [channels, 1]; without, they are dropped. " +
    "The result keeps the input's dtype. Max and min propagate NaN, as numpy does (ONNX leaves it open, and ONNX Runtime's answer depends on where the NaN sits); they also take bool (any / all). Integer sums wrap on overflow (two's complement; ONNX leaves overflow undefined); an integer mean truncates toward zero. " +
    "Over an empty axis the sum is 0 and a float mean NaN; max, min and an integer mean fail.",
  params: z.object({
    op: z.enum(OPS).meta({ description: "max, min, mean or sum" }),
    axes: z.array(z.int().min(-8).max(7)).max(8).optional().meta({ description: "Axes to reduce; negative count from the end; empty or absent: all" }),
    keepdims: z.boolean().default(true).meta({ description: "Keep reduced axes as dims of size 1 (ONNX default)" }),
  }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("any") } },
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    const allowed = params.op === "max" || params.op === "min" ? NUMERIC : MATH_DTYPES;
    const issues = dtypeIssue("x", x, allowed, params.op === "max" || params.op === "min" ? "a numeric" : "a numeric (not bool)");
    const all = !params.axes?.length;
    if (!x.shape) return { outputs: { y: kinds.tensor(x.dtype, all && !params.keepdims ? [] : undefined) }, issues };
    const r = all ? { axes: x.shape.map((_, i) => i) } : axesOrIssue(params.axes!, x.shape.length, "x");
    if ("issue" in r) return { outputs: { y: kinds.tensor(x.dtype) }, issues: [...issues, r.issue] };
    return { outputs: { y: kinds.tensor(x.dtype, reducedShape<TDim>(x.shape, r.axes, params.keepdims)) }, issues };
  },
  execute(inputs, p) {
    const allowed = p.op === "max" || p.op === "min" ? NUMERIC : MATH_DTYPES;
    const x = tensorInput(inputs, "x", { dtypes: allowed });
    const axes = p.axes?.length ? normAxes(p.axes, x.shape, "x") : x.shape.map((_, i) => i);
    const count = sizeOf(axes.map((a) => x.shape[a]!));
    const outShape = reducedShape(x.shape, axes, p.keepdims);
    const n = sizeOf(outShape);
    if (count === 0 && n > 0 && (p.op === "max" || p.op === "min" || (p.op === "mean" && !FLOAT_DTYPES.includes(x.dtype)))) {
      throw new NodeInputError(`reduces over an empty axis (shape [${x.shape.join(", ")}], axes [${axes.join(", ")}]): there is no ${p.op === "mean" ? "integer mean" : `${p.op}imum`}`, "x");
    }
    const target = outputIndex(x.shape, axes);
    return { y: p.op === "max" || p.op === "min" ? extreme(x, p.op, outShape, target) : total(x, p.op, outShape, count, target) };
  },
});

/** The shape after reducing `axes`: size 1 there with keepdims, else dropped. */
function reducedShape<D extends TDim>(shape: readonly D[], axes: readonly number[], keepdims: boolean): D[] {
  return keepdims ? shape.map((d, i) => (axes.includes(i) ? (1 as D) : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** For each input element (row-major), the flat index of the output element it reduces into. */
function outputIndex(shape: readonly number[], axes: readonly number[]): Int32Array {
  const out = new Int32Array(sizeOf(shape));
  // The output, with keepdims, broadcasts back to the input: walking the input visits its targets.
  forEachBroadcast(shape, [shape.map((d, i) => (axes.includes(i) ? 1 : d))], (i, [o]) => (out[i] = o!));
  return out;
}

const isNaNValue = (v: number | bigint) => typeof v === "number" && Number.isNaN(v);

function extreme(x: TAnyTensor, op: "max" | "min", outShape: number[], target: Int32Array): TAnyTensor {
  const n = sizeOf(outShape);
  const best = new Int32Array(n).fill(-1);
  const bestValue: (number | bigint)[] = new Array<number | bigint>(n);
  const better = op === "max" ? (v: number | bigint, b: number | bigint) => v > b : (v: number | bigint, b: number | bigint) => v < b;
  for (let i = 0; i < target.length; i++) {
    const o = target[i]!;
    const v = readRaw(x, i);
    if (best[o] !== -1 && (isNaNValue(bestValue[o]!) || !(isNaNValue(v) || better(v, bestValue[o]!)))) continue;
    best[o] = i;
    bestValue[o] = v;
  }
  const src = x.data as ArrayLike<unknown>;
  const data = allocate(x.dtype, n) as unknown as { [i: number]: unknown };
  for (let o = 0; o < n; o++) data[o] = src[best[o]!];
  return makeTensor(x.dtype, outShape, data as TDataTypeMap[TDtype]) as TAnyTensor;
}

/**
 * Sum or mean. Floats add in double and round once. Integers add exactly (bigints for 64-bit; doubles,
 * exact up to 2^53, for the rest) and wrap to the dtype at the end, as two's-complement additions would.
 */
function total(x: TAnyTensor, op: "sum" | "mean", outShape: number[], count: number, target: Int32Array): TAnyTensor {
  const n = sizeOf(outShape);
  const data = allocate(x.dtype, n);
  if (isWide(x.dtype)) {
    const acc = new Array<bigint>(n).fill(0n);
    for (let i = 0; i < target.length; i++) acc[target[i]!]! += readRaw(x, i) as bigint;
    const bits = INT_RANGE[x.dtype]!;
    const out = data as BigInt64Array | BigUint64Array;
    for (let o = 0; o < n; o++) {
      const v = op === "mean" ? acc[o]! / BigInt(count) : acc[o]!;
      out[o] = bits.signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v);
    }
  } else {
    const acc = new Float64Array(n);
    for (let i = 0; i < target.length; i++) acc[target[i]!]! += readRaw(x, i) as number;
    const isFloat = FLOAT_DTYPES.includes(x.dtype);
    for (let o = 0; o < n; o++) {
      const v = op === "sum" ? acc[o]! : isFloat ? acc[o]! / count : Math.trunc(acc[o]! / count);
      writeNumber(x.dtype, data as TDataTypeMap[TDtype], o, v);
    }
  }
  return makeTensor(x.dtype, outShape, data as TDataTypeMap[TDtype]) as TAnyTensor;
}
