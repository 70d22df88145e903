import { z } from "zod";
import { defineNode, type TNodeIssue } from "../../define-node.ts";
import { CodedNodeError, NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { allocate, floatToHalf, halfToFloat, makeTensor, sizeOf, writeNumber, type TAnyTensor, type TDataTypeMap, type TDtype } from "../../values/tensor.ts";
import { dtypeIssue, shapeIssue, tensorInput, tensorKindOf } from "../shared.ts";
import { broadcastKindShapes, broadcastShapes, forEachBroadcast, INT_RANGE, intScalarProblem, isWide, MATH_DTYPES, readRaw } from "./shared-tensor.ts";

const OPS = ["add", "sub", "mul", "div"] as const;
type TOp = (typeof OPS)[number];

export const arithmetic = defineNode({
  type: "tensor/arithmetic@v1",
  title: "Arithmetic",
  category: "tensor",
  description:
    "Element-wise add, sub, mul or div (ONNX Add/Sub/Mul/Div) of tensor a with a second tensor b, broadcast as numpy does ([rows, 3] with [3] or [rows, 1]), or with a number (`scalar`; `scalarFirst` computes scalar − a or scalar / a). " +
    "Both tensors need one numeric dtype, which the result keeps (cast first to mix dtypes; bool is refused). Floats follow IEEE 754: x / 0 is ±Infinity, 0 / 0 is NaN. " +
    "Integers wrap on overflow (two's complement, as ONNX Runtime does) and divide truncating toward zero (−7 / 2 = −3, not numpy's floor −4); integer division by zero fails with DIVISION_BY_ZERO. The scalar is taken in a's dtype: rounded to float32 or float16 first (0.3 is 0.30000001192… on float32, as an ONNX constant would be), and on an integer tensor it must be an integer of that dtype.",
  params: z.object({
    op: z.enum(OPS).meta({ description: "add, sub, mul or div" }),
    scalar: z.number().optional().meta({ description: "The second operand as a number; when absent, input b" }),
    scalarFirst: z.boolean().default(false).meta({ description: "Put the scalar first: scalar − a, scalar / a" }),
  }),
  ports: (p) => ({
    inputs: {
      a: { kind: kinds.tensor("any") },
      ...(p.scalar === undefined ? { b: { kind: kinds.tensor("any"), description: "Broadcast against a (numpy rules)" } } : {}),
    },
    outputs: { y: kinds.tensor("any") },
  }),
  infer({ params, inputs }) {
    const a = tensorKindOf(inputs.a);
    const b = tensorKindOf(inputs.b);
    const issues: TNodeIssue[] = [...dtypeIssue("a", a, MATH_DTYPES, "a numeric (not bool)"), ...dtypeIssue("b", b, MATH_DTYPES, "a numeric (not bool)")];
    if (params.scalar !== undefined) {
      if (!a) return { issues };
      const problem = a.dtype === "any" ? undefined : intScalarProblem(params.scalar, a.dtype);
      if (problem) issues.push({ code: "DTYPE_MISMATCH", port: "a", message: `the scalar ${problem}`, expected: `an integer scalar for ${a.dtype}`, actual: String(params.scalar) });
      return { outputs: { y: a }, issues };
    }
    if (a && b && a.dtype !== "any" && b.dtype !== "any" && a.dtype !== b.dtype) {
      issues.push({ code: "DTYPE_MISMATCH", port: "b", message: `is ${b.dtype} but 'a' is ${a.dtype}; both operands need one dtype (cast one of them)`, expected: a.dtype, actual: b.dtype });
    }
    const dtype = a && a.dtype !== "any" ? a.dtype : (b?.dtype ?? "any");
    if (!a?.shape || !b?.shape) return { outputs: { y: kinds.tensor(dtype) }, issues };
    const r = broadcastKindShapes(a.shape, b.shape);
    if ("conflict" in r) return { outputs: { y: kinds.tensor(dtype) }, issues: [...issues, shapeIssue("b", r.conflict)] };
    return { outputs: { y: kinds.tensor(dtype, r.shape) }, issues };
  },
  execute(inputs, p) {
    const a = tensorInput(inputs, "a", { dtypes: MATH_DTYPES });
    if (p.scalar !== undefined) {
      const problem = intScalarProblem(p.scalar, a.dtype);
      if (problem) throw new NodeInputError(`the scalar ${problem}`, "a");
      return { y: combine(p.op, a, a.shape, inDtype(p.scalar, a.dtype), p.scalarFirst) };
    }
    const b = tensorInput(inputs, "b", { dtypes: MATH_DTYPES });
    if (b.dtype !== a.dtype) throw new NodeInputError(`is ${b.dtype} but a is ${a.dtype}; both operands need one dtype`, "b");
    return { y: combine(p.op, a, b.shape, b, false) };
  },
});

/** A number as a value of a float dtype (integer dtypes were checked to hold it exactly). */
function inDtype(v: number, dtype: TDtype): number {
  if (dtype === "float32") return Math.fround(v);
  if (dtype === "float16") return halfToFloat(floatToHalf(v));
  return v;
}

/**
 * a op b over the broadcast shape (b a tensor, or a scalar with `b` shape = a's). With `swap`, b op a.
 * Floats are computed in double and rounded once to the dtype, which for + − × ÷ is the correctly rounded
 * IEEE result of that dtype (double has more than twice float32's precision), so it matches ONNX Runtime.
 */
function combine(op: TOp, a: TAnyTensor, bShape: readonly number[], b: TAnyTensor | number, swap: boolean): TAnyTensor {
  const dtype = a.dtype as TDtype;
  const shape = typeof b === "number" ? a.shape : broadcastShapes(a.shape, bShape, "b");
  const data = allocate(dtype, sizeOf(shape));
  const range = INT_RANGE[dtype];
  const bAt = typeof b === "number" ? () => b : (j: number) => readRaw(b, j);
  // The port holding the divisor's zeros: b, or a itself when the other operand is the scalar.
  const port = typeof b === "number" ? "a" : "b";
  if (isWide(dtype)) {
    const f = wideOp(op, range!.signed, port);
    const out = data as BigInt64Array | BigUint64Array;
    const s = typeof b === "number" ? BigInt(b) : undefined;
    forEachBroadcast(shape, [a.shape, bShape], (i, [ia, ib]) => {
      const x = readRaw(a, ia!) as bigint;
      const y = s ?? (bAt(ib!) as bigint);
      out[i] = swap ? f(y, x, i) : f(x, y, i);
    });
  } else {
    const f = range ? narrowOp(op, range.bits === 32, port) : FLOAT_OPS[op];
    forEachBroadcast(shape, [a.shape, bShape], (i, [ia, ib]) => {
      const x = readRaw(a, ia!) as number;
      const y = bAt(ib!) as number;
      // Integers: the typed array wraps the exact result to the dtype's width.
      writeNumber(dtype, data as TDataTypeMap[TDtype], i, swap ? f(y, x, i) : f(x, y, i));
    });
  }
  return makeTensor(dtype, shape, data as TDataTypeMap[TDtype]) as TAnyTensor;
}

const FLOAT_OPS: Record<TOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
};

const divisionByZero = (i: number, port: string) => new CodedNodeError("DIVISION_BY_ZERO", `element ${i} of the result divides by zero, which has no integer value`, port);

/**
 * Integers up to 32 bits as JS numbers: sums and differences are exact, products of 32-bit values are not
 * (up to 2^64), so they use Math.imul (the low 32 bits, which is all the dtype keeps). Quotients of 32-bit
 * values truncate exactly: the gap to the next integer exceeds the double's rounding there.
 */
function narrowOp(op: TOp, is32: boolean, port: string): (x: number, y: number, i: number) => number {
  switch (op) {
    case "add":
    case "sub":
      return FLOAT_OPS[op];
    case "mul":
      return is32 ? (x, y) => Math.imul(x, y) : FLOAT_OPS.mul;
    case "div":
      return (x, y, i) => {
        if (y === 0) throw divisionByZero(i, port);
        return Math.trunc(x / y);
      };
  }
}

/** 64-bit integers as bigints: exact, then wrapped to 64 bits (BigInt division truncates toward zero). */
function wideOp(op: TOp, signed: boolean, port: string): (x: bigint, y: bigint, i: number) => bigint {
  const wrap = signed ? (v: bigint) => BigInt.asIntN(64, v) : (v: bigint) => BigInt.asUintN(64, v);
  switch (op) {
    case "add":
      return (x, y) => wrap(x + y);
    case "sub":
      return (x, y) => wrap(x - y);
    case "mul":
      return (x, y) => wrap(x * y);
    case "div":
      return (x, y, i) => {
        if (y === 0n) throw divisionByZero(i, port);
        return wrap(x / y);
      };
  }
}
