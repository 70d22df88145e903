import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { FLOAT_DTYPES, floatToHalf, halfToFloat, type TAnyTensor, type TDtype } from "../../values/tensor.ts";
import { buildTensor, dtypeIssue, NUMERIC, tensorInput, tensorKindOf } from "../shared.ts";
import { INT_RANGE } from "./shared-tensor.ts";

const TARGETS = ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool"] as const;

export const cast = defineNode({
  type: "tensor/cast@v1",
  title: "Cast",
  category: "tensor",
  description:
    "Converts a numeric tensor to another dtype, as ONNX Cast does: float → integer truncates toward zero (2.7 → 2, −2.7 → −2); integer → narrower integer keeps the low bits (200 as int8 is −56); anything → bool is `≠ 0` (NaN is true); bool → number is 0/1; float → float rounds to nearest and overflows to ±Infinity. Where ONNX leaves the result undefined — NaN, ±Infinity or an out-of-range value cast to an integer — this node fails and names the element instead of returning a platform-dependent number.",
  params: z.object({ to: z.enum(TARGETS).meta({ description: "Target dtype" }) }),
  ports: (p) => ({ inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor(p.to) } }),
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    return { outputs: { y: kinds.tensor(params.to, x.shape) }, issues: dtypeIssue("x", x, NUMERIC, "a numeric") };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x", { dtypes: NUMERIC });
    return { y: castTensor(x, p.to) };
  },
});

function castTensor(x: TAnyTensor, to: TDtype): TAnyTensor {
  const src = x.data as ArrayLike<number | bigint>;
  const read = x.dtype === "float16" ? (i: number) => halfToFloat(src[i] as number) : (i: number) => src[i]!;
  const fromFloat = FLOAT_DTYPES.includes(x.dtype);
  const target = INT_RANGE[to];
  return buildTensor(to, x.shape, (out) => {
    for (let i = 0; i < src.length; i++) {
      const v = read(i);
      if (to === "bool") out[i] = Number(v) !== 0 ? 1 : 0; // NaN !== 0: true, as ONNX says
      else if (to === "float16") out[i] = floatToHalf(Number(v));
      else if (!target) out[i] = Number(v); // float32/float64: the typed array rounds (and overflows to ±Infinity)
      else if (fromFloat) out[i] = floatToInt(v as number, to, target, i);
      else out[i] = wrapInt(v, target); // integer or bool source
    }
  });
}

/** Truncation toward zero; NaN, ±Infinity and out-of-range values are refused (undefined in ONNX). */
function floatToInt(v: number, to: TDtype, t: { bits: number; signed: boolean }, i: number): number | bigint {
  const n = Math.trunc(v);
  const lo = t.signed ? -(2 ** (t.bits - 1)) : 0;
  const hi = t.signed ? 2 ** (t.bits - 1) : 2 ** t.bits; // exclusive
  if (Number.isNaN(v) || n < lo || n >= hi) throw new NodeInputError(`element ${i} is ${v}, which has no ${to} value (ONNX Cast leaves it undefined)`, "x");
  return t.bits === 64 ? BigInt(n) : n;
}

/** Two's-complement wrap into the target width (ONNX: "discard higher bits and reinterpret"). */
function wrapInt(v: number | bigint, t: { bits: number; signed: boolean }): number | bigint {
  const b = BigInt(v);
  const wrapped = t.signed ? BigInt.asIntN(t.bits, b) : BigInt.asUintN(t.bits, b);
  return t.bits === 64 ? wrapped : Number(wrapped);
}
