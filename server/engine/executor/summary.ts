import { isTensor, readNumber } from "../values/tensor.ts";

/** A small, JSON-safe description of a value for traces and the editor: dtype, shape, stats, preview. */
export type TValueSummary =
  | { type: "tensor"; dtype: string; shape: number[]; min?: number; max?: number; mean?: number; nan?: number; preview: (number | string)[] }
  | { type: "number" | "string" | "boolean" | "null"; preview: unknown }
  | { type: "list"; length: number; preview: TValueSummary[] }
  | { type: "json"; preview: string }
  | { type: "skipped" };

const PREVIEW = 8;

export function summarize(value: unknown): TValueSummary {
  if (isTensor(value)) {
    const n = value.data.length;
    const preview: (number | string)[] = [];
    if (value.dtype === "string") {
      for (let i = 0; i < Math.min(n, PREVIEW); i++) preview.push((value.data as string[])[i]!);
      return { type: "tensor", dtype: value.dtype, shape: [...value.shape], preview };
    }
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let nan = 0;
    for (let i = 0; i < n; i++) {
      const v = readNumber(value, i);
      if (i < PREVIEW) preview.push(round(v));
      if (Number.isNaN(v)) {
        nan++;
        continue;
      }
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    const counted = n - nan;
    return {
      type: "tensor",
      dtype: value.dtype,
      shape: [...value.shape],
      ...(counted > 0 ? { min: round(min), max: round(max), mean: round(sum / counted) } : {}),
      ...(nan ? { nan } : {}),
      preview,
    };
  }
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
