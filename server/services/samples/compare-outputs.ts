import { z } from "zod";
import { NON_FINITE } from "../../engine/executor/coerce-input.ts";

/**
 * What a sample expects of one output. Default: the same JSON value. `atol`/`rtol`: every number
 * (also inside tensors and lists) within atol + rtol·|expected|. `top1`: the same best label (a string
 * output, the first entry of a top-k list, or the argmax of a tensor). `iou`: boxes [x1,y1,x2,y2]
 * matched one-to-one with at least this overlap.
 */
export const ZExpectation = z.object({
  value: z.json(),
  atol: z.number().min(0).optional(),
  rtol: z.number().min(0).optional(),
  top1: z.boolean().optional(),
  iou: z.number().min(0).max(1).optional(),
});
export type TExpectation = z.infer<typeof ZExpectation>;
export const ZExpected = z.record(z.string(), ZExpectation);

export interface TDifference {
  output: string;
  message: string;
  expected?: unknown;
  actual?: unknown;
}

export function compareOutputs(expected: Record<string, TExpectation>, actual: Record<string, unknown>): TDifference[] {
  const diffs: TDifference[] = [];
  for (const [output, exp] of Object.entries(expected)) {
    if (!(output in actual)) {
      diffs.push({ output, message: `output '${output}' is missing` });
      continue;
    }
    const got = actual[output];
    if (exp.top1) {
      const a = top1(got);
      const e = top1(exp.value);
      if (a !== e) diffs.push({ output, message: `top-1 is ${JSON.stringify(a)}, expected ${JSON.stringify(e)}`, expected: e, actual: a });
    } else if (exp.iou !== undefined) {
      const msg = compareBoxes(exp.value, got, exp.iou);
      if (msg) diffs.push({ output, message: msg });
    } else if (exp.atol !== undefined || exp.rtol !== undefined) {
      const e = numbersOf(exp.value);
      const a = numbersOf(got);
      if (e.length !== a.length) diffs.push({ output, message: `${a.length} numbers, expected ${e.length}` });
      else {
        const atol = exp.atol ?? 0;
        const rtol = exp.rtol ?? 0;
        const bad = e.findIndex((x, i) => !(Object.is(a[i], x) || a[i] === x || Math.abs(a[i]! - x) <= atol + rtol * Math.abs(x)));
        if (bad >= 0) diffs.push({ output, message: `element ${bad} is ${a[bad]}, expected ${e[bad]} ± ${atol + rtol * Math.abs(e[bad]!)}`, expected: e[bad], actual: a[bad] });
      }
    } else if (JSON.stringify(canonical(got)) !== JSON.stringify(canonical(exp.value))) {
      diffs.push({ output, message: `is ${short(got)}, expected ${short(exp.value)}`, expected: exp.value, actual: got });
    }
  }
  return diffs;
}

function numbersOf(v: unknown): number[] {
  if (typeof v === "number") return [v];
  if (v === null) return [NaN];
  if (typeof v === "string" && v in NON_FINITE) return [NON_FINITE[v]!];
  if (Array.isArray(v)) return v.flatMap(numbersOf);
  if (typeof v === "object" && v && "data" in v) return numbersOf((v as { data: unknown }).data);
  if (typeof v === "object" && v) return Object.keys(v).sort().flatMap((k) => numbersOf((v as Record<string, unknown>)[k]));
  return [];
}

function top1(v: unknown): unknown {
  if (typeof v === "string" || typeof v === "number") return v;
  if (Array.isArray(v)) return v.length && typeof v[0] === "object" && v[0] && "label" in v[0] ? (v[0] as { label: unknown }).label : top1(v[0]);
  if (v && typeof v === "object" && "data" in v) {
    const d = numbersOf(v);
    return d.indexOf(Math.max(...d));
  }
  if (v && typeof v === "object" && "label" in v) return (v as { label: unknown }).label;
  return JSON.stringify(v);
}

function compareBoxes(expected: unknown, actual: unknown, threshold: number): string | null {
  const boxes = (v: unknown): number[][] => (Array.isArray(v) ? v.map((b) => (Array.isArray(b) ? (b as number[]) : numbersOf((b as { box?: unknown })?.box ?? b))) : []);
  const e = boxes(expected);
  const a = boxes(actual);
  if (e.length !== a.length) return `${a.length} boxes, expected ${e.length}`;
  const used = new Set<number>();
  for (const [i, eb] of e.entries()) {
    let best = -1;
    let bestIou = 0;
    a.forEach((ab, j) => {
      const v = iou(eb, ab);
      if (!used.has(j) && v > bestIou) [best, bestIou] = [j, v];
    });
    if (best < 0 || bestIou < threshold) return `box ${i} best IoU is ${bestIou.toFixed(3)}, needs ${threshold}`;
    used.add(best);
  }
  return null;
}

export function iou(a: number[], b: number[]): number {
  const [ax1 = 0, ay1 = 0, ax2 = 0, ay2 = 0] = a;
  const [bx1 = 0, by1 = 0, bx2 = 0, by2 = 0] = b;
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

function short(v: unknown): string {
  const t = JSON.stringify(v) ?? "undefined";
  return t.length > 80 ? `${t.slice(0, 80)}…` : t;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}
