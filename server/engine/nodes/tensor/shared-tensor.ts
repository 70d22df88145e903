/** Helpers shared by the tensor math nodes (arithmetic, clip, pad, reduce): broadcasting, axis lists, element access. */
import type { TNodeIssue } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import type { TDim } from "../../types/kinds.ts";
import { FLOAT_DTYPES, INT_DTYPES, readNumber, type TAnyTensor, type TDtype } from "../../values/tensor.ts";
import { axisInRange, axisIssue, shapeIssue } from "../shared.ts";

/** Dtypes the math nodes compute on: numbers, not bool (ONNX Add, Pad's value, Reduce* do not take it either). */
export const MATH_DTYPES: readonly TDtype[] = [...FLOAT_DTYPES, ...INT_DTYPES];

/** 64-bit integers are held as bigints and computed exactly; every other numeric dtype as JS numbers. */
export const isWide = (dtype: TDtype) => dtype === "int64" || dtype === "uint64";

/** Bits and signedness of the integer dtypes. */
export const INT_RANGE: Partial<Record<TDtype, { bits: number; signed: boolean }>> = {
  int8: { bits: 8, signed: true },
  int16: { bits: 16, signed: true },
  int32: { bits: 32, signed: true },
  int64: { bits: 64, signed: true },
  uint8: { bits: 8, signed: false },
  uint16: { bits: 16, signed: false },
  uint32: { bits: 32, signed: false },
  uint64: { bits: 64, signed: false },
};

/**
 * A JS number as a value of an integer dtype, or why it is not one: it must be an integer inside the
 * dtype's range (and, for 64-bit dtypes, exactly representable as a double).
 */
export function intScalarProblem(v: number, dtype: TDtype): string | undefined {
  const r = INT_RANGE[dtype];
  if (!r) return undefined;
  if (!Number.isInteger(v)) return `${v} is not an integer, so it has no ${dtype} value`;
  const lo = r.signed ? -(2 ** (r.bits - 1)) : 0;
  const hi = r.signed ? 2 ** (r.bits - 1) - 1 : 2 ** r.bits - 1;
  if (v < lo || v > hi) return `${v} is outside the range of ${dtype}`;
  if (!Number.isSafeInteger(v)) return `${v} is beyond 2^53, where a JSON number is not exact; give a smaller value`;
  return undefined;
}

/** Element i as stored (bigint for 64-bit integers, half floats decoded, numbers otherwise). */
export function readRaw(x: TAnyTensor, i: number): number | bigint {
  return isWide(x.dtype) ? (x.data as BigInt64Array | BigUint64Array)[i]! : readNumber(x, i);
}

// ── Axis lists ────────────────────────────────────────────────────────────────────────────────────

/** Axes normalised against a rank: an issue for one out of range or listed twice (compile time). */
export function axesOrIssue(axes: readonly number[], rank: number, port: string): { axes: number[] } | { issue: TNodeIssue } {
  const out: number[] = [];
  for (const axis of axes) {
    const a = axisInRange(axis, rank);
    if (a === undefined) return { issue: axisIssue(port, axis, rank) };
    if (out.includes(a)) return { issue: shapeIssue(port, `axis ${axis} is listed twice (it is axis ${a} of rank ${rank})`) };
    out.push(a);
  }
  return { axes: out };
}

/** Run-time counterpart of axesOrIssue: throws a NodeInputError naming the port. */
export function normAxes(axes: readonly number[], shape: readonly number[], port: string): number[] {
  const r = axesOrIssue(axes, shape.length, port);
  if ("issue" in r) throw new NodeInputError(`${r.issue.message} (shape [${shape.join(", ")}])`, port);
  return r.axes;
}

// ── Broadcasting (numpy / ONNX multidirectional) ──────────────────────────────────────────────────

/** Two known-shape dims broadcast: equal, or one of them 1. */
function broadcastDim(a: TDim, b: TDim): { dim: TDim; conflict: boolean } {
  if (a === 1) return { dim: b, conflict: false };
  if (b === 1) return { dim: a, conflict: false };
  if (typeof a === "number" && typeof b === "number") return { dim: a, conflict: a !== b };
  // A fixed size other than 1 is what the other must be (or the run fails); two different symbols may be
  // equal or one of them 1 at run time, so the result is unknown.
  if (typeof a === "number") return { dim: a, conflict: false };
  if (typeof b === "number") return { dim: b, conflict: false };
  return { dim: a !== null && a === b ? a : null, conflict: false };
}

/** The broadcast shape of compile-time shapes, or the first pair of dims that cannot broadcast. */
export function broadcastKindShapes(a: readonly TDim[], b: readonly TDim[]): { shape: TDim[] } | { conflict: string } {
  const rank = Math.max(a.length, b.length);
  const shape: TDim[] = [];
  for (let k = 0; k < rank; k++) {
    const da = a[a.length - rank + k] ?? 1;
    const db = b[b.length - rank + k] ?? 1;
    const m = broadcastDim(da, db);
    if (m.conflict) return { conflict: `dim ${da} of [${a.join(", ")}] and dim ${db} of [${b.join(", ")}] cannot broadcast (they must be equal, or one of them 1)` };
    shape.push(m.dim);
  }
  return { shape };
}

/** The broadcast shape of run-time shapes; a NodeInputError on `port` when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[], port: string): number[] {
  const r = broadcastKindShapes(a, b);
  if ("conflict" in r) throw new NodeInputError(r.conflict, port);
  return r.shape as number[];
}

/**
 * For each element of a tensor of `out` shape (row-major), the flat index of the element each operand
 * broadcasts to it: calls f(i, at) with at[j] the index into operand j. Shapes must broadcast to `out`.
 */
export function forEachBroadcast(out: readonly number[], shapes: readonly (readonly number[])[], f: (i: number, at: readonly number[]) => void): void {
  const rank = out.length;
  // Per operand, the stride of each output axis: 0 where the operand has no such axis or a dim of 1.
  const steps = shapes.map((s) => {
    const st = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let k = s.length - 1; k >= 0; k--) {
      const o = rank - s.length + k;
      st[o] = s[k] === 1 ? 0 : acc;
      acc *= s[k]!;
    }
    return st;
  });
  const n = out.reduce((p, d) => p * d, 1);
  const coords = new Array<number>(rank).fill(0);
  const at = shapes.map(() => 0);
  for (let i = 0; i < n; i++) {
    f(i, at);
    for (let k = rank - 1; k >= 0; k--) {
      coords[k]!++;
      for (let j = 0; j < at.length; j++) at[j]! += steps[j]![k]!;
      if (coords[k]! < out[k]!) break;
      for (let j = 0; j < at.length; j++) at[j]! -= steps[j]![k]! * out[k]!;
      coords[k] = 0;
    }
  }
}
