import { isImage } from "../values/image.ts";
import { isTensor, readNumber, type TAnyTensor } from "../values/tensor.ts";

/** A small, JSON-safe description of a value for traces and the editor: dtype, shape, stats, preview. */
export type TValueSummary =
  /** `sampled`: min/max/mean/nan are over an even stride of SAMPLE elements (tensors larger than that). */
  | { type: "tensor"; dtype: string; shape: number[]; min?: number; max?: number; mean?: number; nan?: number; sampled?: true; preview: (number | string)[] }
  | { type: "number" | "string" | "boolean" | "null"; preview: unknown }
  | { type: "list"; length: number; preview: TValueSummary[] }
  | { type: "json"; preview: string }
  | { type: "image"; width: number; height: number; colour: string; originalWidth: number; originalHeight: number }
  | { type: "bytes"; length: number }
  | { type: "skipped" };

const PREVIEW = 8;
/**
 * Stats of larger tensors come from an even stride of this many elements: every node output of every run is
 * summarised, and a full pass over an image tensor (150k floats) would cost as much as normalising it.
 */
export const SAMPLE = 16_384;

/** A value passed on unchanged (to an output, through a branch) is summarised once. */
const memo = new WeakMap<object, TValueSummary>();

export function summarize(value: unknown): TValueSummary {
  if (isTensor(value)) {
    let s = memo.get(value);
    if (!s) memo.set(value, (s = summarizeTensor(value)));
    return s;
  }
  return summarizeOther(value);
}

function summarizeTensor(value: TAnyTensor): TValueSummary {
  const n = value.data.length;
  const preview: (number | string)[] = [];
  if (value.dtype === "string") {
    for (let i = 0; i < Math.min(n, PREVIEW); i++) preview.push((value.data as string[])[i]!);
    return { type: "tensor", dtype: value.dtype, shape: [...value.shape], preview };
  }
  for (let i = 0; i < Math.min(n, PREVIEW); i++) preview.push(round(readNumber(value, i)));
  const step = n > SAMPLE ? n / SAMPLE : 1;
  const count = n > SAMPLE ? SAMPLE : n;
  // Typed arrays of plain numbers are read directly; float16 and 64-bit integers through readNumber.
  const plainNumbers = value.dtype !== "float16" && value.dtype !== "int64" && value.dtype !== "uint64";
  const at = plainNumbers ? null : (i: number) => readNumber(value, i);
  const { min, max, sum, nan } = stats(value.data as ArrayLike<number>, count, step, at);
  const counted = count - nan;
  return {
    type: "tensor",
    dtype: value.dtype,
    shape: [...value.shape],
    ...(counted > 0 ? { min: round(min), max: round(max), mean: round(sum / counted) } : {}),
    ...(nan ? { nan: step === 1 ? nan : Math.round(nan * step) } : {}),
    ...(step > 1 ? { sampled: true as const } : {}),
    preview,
  };
}

/** min/max/sum over `count` elements at floor(k·step); NaNs are skipped and counted. */
function stats(data: ArrayLike<number>, count: number, step: number, at: ((i: number) => number) | null) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let nan = 0;
  for (let k = 0; k < count; k++) {
    const i = step === 1 ? k : Math.floor(k * step);
    const v = at ? at(i) : data[i]!;
    if (v !== v) {
      nan++;
      continue;
    }
    min = v < min ? v : min;
    max = v > max ? v : max;
    sum += v;
  }
  return { min, max, sum, nan };
}

function summarizeOther(value: unknown): TValueSummary {
  if (isImage(value)) {
    return { type: "image", width: value.width, height: value.height, colour: value.colour, originalWidth: value.frame.originalWidth, originalHeight: value.frame.originalHeight };
  }
  if (value instanceof Uint8Array) return { type: "bytes", length: value.length };
  if (value === null || value === undefined) return { type: "null", preview: null };
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") {
    return { type: typeof value as "number" | "string" | "boolean", preview: typeof value === "string" && value.length > 200 ? `${value.slice(0, 200)}…` : value };
  }
  if (Array.isArray(value)) return { type: "list", length: value.length, preview: value.slice(0, 4).map(summarize) };
  const text = JSON.stringify(value) ?? "";
  return { type: "json", preview: text.length > 300 ? `${text.slice(0, 300)}…` : text };
}

function round(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : v;
}
