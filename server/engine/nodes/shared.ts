import { NodeInputError } from "../errors.ts";
import { FLOAT_DTYPES, isTensor, NUMERIC_DTYPES, type TAnyTensor, type TDtype } from "../values/tensor.ts";

/** The tensor on `port`, or a NodeInputError naming the port and what came instead. */
export function tensorInput(inputs: Record<string, unknown>, port: string, opts: { dtypes?: readonly TDtype[]; minRank?: number } = {}): TAnyTensor {
  const v = inputs[port];
  if (!isTensor(v)) throw new NodeInputError(`expected a tensor, got ${v === null ? "null" : Array.isArray(v) ? "a list" : typeof v}`, port);
  if (opts.dtypes && !opts.dtypes.includes(v.dtype)) throw new NodeInputError(`expected dtype ${opts.dtypes.join(" or ")}, got ${v.dtype}`, port);
  if (opts.minRank !== undefined && v.shape.length < opts.minRank) throw new NodeInputError(`expected rank ≥ ${opts.minRank}, got shape [${v.shape.join(", ")}]`, port);
  return v;
}

export const FLOATS = FLOAT_DTYPES;
export const NUMERIC = NUMERIC_DTYPES;

/** Normalises a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number, port = "x"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new NodeInputError(`axis ${axis} is out of range for rank ${rank}`, port);
  return a;
}
