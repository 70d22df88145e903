import type { TJson } from "../../engine/values/to-json.ts";

/** Relative tolerance for floats: |a − b| ≤ REL_TOLERANCE · max(|a|, |b|), or ≤ ABS_FLOOR near zero. */
export const REL_TOLERANCE = 1e-4;
export const ABS_FLOOR = 1e-6;

const FLOAT_DTYPES = new Set(["float16", "float32", "float64", "bfloat16"]);

/**
 * Whether a shadow's logged outputs agree with the primary's for the same call. The rule, output by output:
 * - strings, booleans, null and integers: equal;
 * - other numbers: within the relative tolerance (REL_TOLERANCE, ABS_FLOOR);
 * - float tensors ({dtype, shape, data}): same shape, and every element within tolerance — or, when the
 *   last axis holds at least 2 values (scores or probabilities), the same argmax in every row (same top-1);
 * - other tensors: same dtype, shape and equal data;
 * - ranked lists (arrays of objects with a string `label`, e.g. post/top-k): the same first label (top-1);
 * - other arrays and objects: same length / keys, each element agreeing by these rules.
 * Outputs missing on either side, or stored truncated/redacted, are not compared (the caller skips them).
 */
export function outputsAgree(a: TJson, b: TJson): boolean {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return scalarsAgree(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return false;
    if (isRanked(a) && isRanked(b)) return a.length === b.length && (a.length === 0 || (a[0] as { label: string }).label === (b[0] as { label: string }).label);
    return a.length === b.length && a.every((x, i) => outputsAgree(x, b[i]!));
  }
  if (isTensor(a) && isTensor(b)) return tensorsAgree(a, b);
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => k in b && outputsAgree(a[k]!, b[k]!));
}

function scalarsAgree(a: TJson, b: TJson): boolean {
  if (typeof a === "number" && typeof b === "number") return Number.isInteger(a) && Number.isInteger(b) ? a === b : close(a, b);
  return a === b;
}

function close(a: number, b: number): boolean {
  const d = Math.abs(a - b);
  return d <= ABS_FLOOR || d <= REL_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

interface TTensorJson {
  dtype: string;
  shape: number[];
  data: TJson[];
}

function isTensor(v: { [k: string]: TJson }): v is { [k: string]: TJson } & TTensorJson {
  return typeof v.dtype === "string" && Array.isArray(v.shape) && Array.isArray(v.data);
}

function isRanked(v: TJson[]): boolean {
  return v.length > 0 && v.every((x) => x !== null && typeof x === "object" && !Array.isArray(x) && typeof x.label === "string");
}

function tensorsAgree(a: TTensorJson, b: TTensorJson): boolean {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]) || a.data.length !== b.data.length) return false;
  if (!FLOAT_DTYPES.has(a.dtype) || !FLOAT_DTYPES.has(b.dtype)) return a.dtype === b.dtype && a.data.every((x, i) => x === b.data[i]);
  const num = (x: TJson) => (typeof x === "number" ? x : Number(x)); // "NaN", "Infinity" as logged
  if (a.data.every((x, i) => { const p = num(x), q = num(b.data[i]!); return p === q || close(p, q); })) return true;
  const last = a.shape[a.shape.length - 1] ?? 0;
  if (last < 2) return false;
  for (let row = 0; row < a.data.length; row += last) {
    if (argmax(a.data, row, last, num) !== argmax(b.data, row, last, num)) return false;
  }
  return true;
}

function argmax(data: TJson[], from: number, n: number, num: (x: TJson) => number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (num(data[from + i]!) > num(data[from + best]!)) best = i;
  return best;
}
