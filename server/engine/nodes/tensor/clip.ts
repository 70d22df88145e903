import { z } from "zod";
import { defineNode, type TNodeIssue } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { allocate, makeTensor, sizeOf, writeNumber, type TAnyTensor, type TDataTypeMap, type TDtype } from "../../values/tensor.ts";
import { dtypeIssue, shapeIssue, tensorInput, tensorKindOf, type TTensorKind } from "../shared.ts";
import { broadcastKindShapes, broadcastShapes, forEachBroadcast, INT_RANGE, isWide, MATH_DTYPES, readRaw } from "./shared-tensor.ts";

const BOUNDS = ["min", "max"] as const;
type TBound = (typeof BOUNDS)[number];
type TValue = number | bigint;

export const tensorClip = defineNode({
  type: "tensor/clip@v1",
  title: "Clip",
  category: "tensor",
  description:
    "Holds every element of x inside [min, max] (ONNX Clip, numpy.clip); either bound may be left out. A bound is a number (param) or a tensor on the min/max input that broadcasts to x's shape — per-channel limits [channels, 1], say — in x's dtype. " +
    "Keeps x's dtype and shape. NaN in x stays NaN; a NaN bound leaves elements alone. A bound left out is no bound, as in numpy: ±Infinity stay (ONNX Runtime's Clip defaults to the dtype's largest finite values, which turn Infinity into 3.4e38 on float32). Where min > max the result is max, as in ONNX. On integer tensors number bounds are rounded inwards (min up, max down) and held to the dtype's range. (tabular/clip@v1 is the params-only form for feature rows.)",
  params: z
    .object({
      min: z.number().optional().meta({ description: "Lower bound; else the min input, else none" }),
      max: z.number().optional().meta({ description: "Upper bound; else the max input, else none" }),
    })
    .refine((p) => p.min === undefined || p.max === undefined || p.min <= p.max, { message: "min must not exceed max", path: ["max"] }),
  ports: (p) => ({
    inputs: {
      x: { kind: kinds.tensor("any") },
      ...Object.fromEntries(BOUNDS.filter((b) => p[b] === undefined).map((b) => [b, { kind: kinds.tensor("any"), optional: true, description: `${b === "min" ? "Lower" : "Upper"} bounds, broadcast to x` }])),
    },
    outputs: { y: kinds.tensor("any") },
  }),
  infer({ inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    const issues: TNodeIssue[] = dtypeIssue("x", x, MATH_DTYPES, "a numeric (not bool)");
    for (const b of BOUNDS) issues.push(...boundIssues(b, x, tensorKindOf(inputs[b])));
    return { outputs: { y: x }, issues };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x", { dtypes: MATH_DTYPES });
    const bounds = BOUNDS.map((b) => {
      if (p[b] !== undefined) return { value: paramBound(p[b], b, x.dtype) };
      if (inputs[b] === undefined) return {};
      const t = tensorInput(inputs, b);
      if (t.dtype !== x.dtype) throw new NodeInputError(`is ${t.dtype} but x is ${x.dtype}; bounds need x's dtype`, b);
      if (broadcastShapes(x.shape, t.shape, b).some((d, k) => d !== x.shape[k])) throw new NodeInputError(`shape [${t.shape.join(", ")}] does not broadcast to x's shape [${x.shape.join(", ")}]`, b);
      return { tensor: t };
    });
    return { y: clipTensor(x, bounds[0]!, bounds[1]!) };
  },
});

function boundIssues(port: TBound, x: TTensorKind, b: TTensorKind | undefined): TNodeIssue[] {
  if (!b) return [];
  if (x.dtype !== "any" && b.dtype !== "any" && b.dtype !== x.dtype) return [{ code: "DTYPE_MISMATCH", port, message: `is ${b.dtype} but x is ${x.dtype}; bounds need x's dtype`, expected: x.dtype, actual: b.dtype }];
  if (!x.shape || !b.shape) return [];
  const r = broadcastKindShapes(x.shape, b.shape);
  if ("conflict" in r) return [shapeIssue(port, r.conflict)];
  if (r.shape.length > x.shape.length || r.shape.some((d, k) => typeof d === "number" && typeof x.shape![k] === "number" && d !== x.shape![k])) {
    return [shapeIssue(port, `shape [${b.shape.join(", ")}] does not broadcast to x's shape [${x.shape.join(", ")}]`)];
  }
  return [];
}

/** A number bound in x's dtype: integers rounded inwards and held to the dtype's range (64-bit ones as bigints). */
function paramBound(v: number, side: TBound, dtype: TDtype): TValue {
  const r = INT_RANGE[dtype];
  if (!r) return v;
  const lo = r.signed ? -(2n ** BigInt(r.bits - 1)) : 0n;
  const hi = r.signed ? 2n ** BigInt(r.bits - 1) - 1n : 2n ** BigInt(r.bits) - 1n;
  if (!Number.isFinite(v)) return isWide(dtype) ? (v > 0 ? hi : lo) : Number(v > 0 ? hi : lo);
  let n = BigInt(side === "min" ? Math.ceil(v) : Math.floor(v));
  n = n < lo ? lo : n > hi ? hi : n;
  return isWide(dtype) ? n : Number(n);
}

function clipTensor(x: TAnyTensor, min: { value?: TValue; tensor?: TAnyTensor }, max: { value?: TValue; tensor?: TAnyTensor }): TAnyTensor {
  const n = sizeOf(x.shape);
  const data = allocate(x.dtype, n);
  const out = data as unknown as { [i: number]: unknown };
  const src = x.data as ArrayLike<unknown>;
  const write = (i: number, v: TValue) => (typeof v === "bigint" ? (out[i] = v) : writeNumber(x.dtype, data as TDataTypeMap[TDtype], i, v));
  // Where there is no bound, one operand broadcasts a size-1 dummy shape.
  const shapeOf = (b: { tensor?: TAnyTensor }) => b.tensor?.shape ?? [];
  const at = (b: { value?: TValue; tensor?: TAnyTensor }, j: number): TValue | undefined => (b.tensor ? readRaw(b.tensor, j) : b.value);
  forEachBroadcast(x.shape, [x.shape, shapeOf(min), shapeOf(max)], (i, [ix, jlo, jhi]) => {
    const v = readRaw(x, ix!);
    const lo = at(min, jlo!);
    const hi = at(max, jhi!);
    // ONNX's order: max(x, lo), then min(…, hi), so hi wins where lo > hi. NaN compares false either way.
    let r = v;
    if (lo !== undefined && r < lo) r = lo;
    if (hi !== undefined && r > hi) r = hi;
    // Elements left alone are copied as stored (half-float bits, -0).
    if (Object.is(r, v)) out[i] = src[ix!];
    else write(i, r);
  });
  return makeTensor(x.dtype, x.shape, data as TDataTypeMap[TDtype]) as TAnyTensor;
}
