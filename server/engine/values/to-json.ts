import { SKIPPED } from "../executor/execute.ts";
import { isImage } from "./image.ts";
import { isTensor, readNumber } from "./tensor.ts";

export type TJson = null | boolean | number | string | TJson[] | { [k: string]: TJson };

/**
 * A value as the API returns it: tensors become {dtype, shape, data} with data as nested-free flat numbers
 * (64-bit integers beyond 2^53 as strings), skipped branches become null.
 */
export function toJsonValue(v: unknown): TJson {
  if (v === SKIPPED || v === undefined || v === null) return null;
  if (isTensor(v)) {
    let data: TJson[];
    if (v.dtype === "string") data = [...(v.data as string[])];
    else if (v.dtype === "int64" || v.dtype === "uint64") data = Array.from(v.data as ArrayLike<bigint>, (b) => (b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(b) : b.toString()));
    else if (v.dtype === "bool") data = Array.from(v.data as Uint8Array, (b) => b !== 0);
    else data = Array.from({ length: v.data.length }, (_, i) => jsonNumber(readNumber(v, i)));
    return { dtype: v.dtype, shape: [...v.shape], data };
  }
  if (typeof v === "number") return jsonNumber(v);
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Uint8Array) return { bytes: v.length };
  // Pixels do not go into JSON: an image output says what it is (encode it with image/encode for the pixels).
  if (isImage(v)) return { image: { width: v.width, height: v.height, colour: v.colour } };
  if (typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toJsonValue(x)]));
  return null;
}

/** JSON has no NaN/±Infinity: they become the strings "NaN", "Infinity" and "-Infinity" (as inputs accept them; documented in the API). */
export function jsonNumber(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}
