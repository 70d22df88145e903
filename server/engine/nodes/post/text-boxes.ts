import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import type { TDetection, TPoint, TQuad } from "../../values/boxes.ts";
import { readNumber } from "../../values/tensor.ts";
import { FLOATS, tensorInput } from "../shared.ts";

/**
 * DB (Differentiable Binarization) text detection postprocessing, as PaddleOCR and its ports do it: binarize
 * the probability map, take each connected region, fit its minimum-area rectangle, grow it by
 * area × unclipRatio / perimeter on every side ("unclip"), drop rectangles too thin to hold text, and emit
 * the rotated boxes as four corners, clockwise from the top-left.
 */

/** Convex hull (Andrew's monotone chain), counter-clockwise, no collinear points. */
export function convexHull(points: TPoint[]): TPoint[] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length <= 2) return p;
  const cross = (o: TPoint, a: TPoint, b: TPoint) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: TPoint[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: TPoint[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

export interface TRotatedRect {
  cx: number;
  cy: number;
  /** Along the unit axis (ux, uy) and its normal. */
  w: number;
  h: number;
  ux: number;
  uy: number;
}

/** The minimum-area enclosing rectangle of points (rotating calipers over the hull's edges), as OpenCV's minAreaRect. */
export function minAreaRect(points: TPoint[]): TRotatedRect {
  const hull = convexHull(points);
  if (hull.length === 1) return { cx: hull[0]![0], cy: hull[0]![1], w: 0, h: 0, ux: 1, uy: 0 };
  let best: TRotatedRect | undefined;
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (len === 0) continue;
    const ux = (b[0] - a[0]) / len;
    const uy = (b[1] - a[1]) / len;
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const q of hull) {
      const u = q[0] * ux + q[1] * uy;
      const v = -q[0] * uy + q[1] * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = { cx: cu * ux - cv * uy, cy: cu * uy + cv * ux, w: maxU - minU, h: maxV - minV, ux, uy };
    }
  }
  return best!;
}

/** The rectangle's corners ordered as PaddleOCR's get_mini_boxes: top-left, top-right, bottom-right, bottom-left. */
export function orderedCorners(r: TRotatedRect): TQuad {
  const [hw, hh] = [r.w / 2, r.h / 2];
  const pts: TPoint[] = [
    [r.cx - hw * r.ux + hh * r.uy, r.cy - hw * r.uy - hh * r.ux],
    [r.cx + hw * r.ux + hh * r.uy, r.cy + hw * r.uy - hh * r.ux],
    [r.cx + hw * r.ux - hh * r.uy, r.cy + hw * r.uy + hh * r.ux],
    [r.cx - hw * r.ux - hh * r.uy, r.cy - hw * r.uy + hh * r.ux],
  ].sort((a, b) => a[0]! - b[0]!) as TPoint[];
  const [i1, i4] = pts[1]![1] > pts[0]![1] ? [0, 1] : [1, 0];
  const [i2, i3] = pts[3]![1] > pts[2]![1] ? [2, 3] : [3, 2];
  return [pts[i1]!, pts[i2]!, pts[i3]!, pts[i4]!];
}

/**
 * The rectangle grown by `d` as PaddleOCR does it: a Clipper offset with round joins (default arc tolerance
 * 0.25) whose vertices land on whole pixels, then the minimum-area rectangle of that polygon. Matching the
 * integer rounding matters: a pixel more or less on a crop can change what the recogniser reads.
 */
export function unclipRect(rect: TRotatedRect, d: number): TRotatedRect {
  // Clockwise on screen (y down): the outward normal of each edge is (dy, −dx).
  const ccw = orderedCorners(rect);
  const n = ccw.length;
  const normals = ccw.map((a, i) => {
    const b = ccw[(i + 1) % n]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
    return [(b[1] - a[1]) / len, -(b[0] - a[0]) / len] as TPoint;
  });
  const arcTolerance = 0.25;
  let steps = Math.PI / Math.acos(1 - arcTolerance / Math.abs(d));
  if (steps > Math.abs(d) * Math.PI) steps = Math.abs(d) * Math.PI;
  const sin = Math.sin((2 * Math.PI) / steps);
  const cos = Math.cos((2 * Math.PI) / steps);
  const stepsPerRad = steps / (2 * Math.PI);
  const out: TPoint[] = [];
  for (let j = 0; j < n; j++) {
    const k = (j + n - 1) % n;
    const [vx, vy] = ccw[j]!;
    const nk = normals[k]!;
    const nj = normals[j]!;
    const a = Math.atan2(nk[0] * nj[1] - nj[0] * nk[1], nk[0] * nj[0] + nk[1] * nj[1]);
    const count = Math.max(Math.round(stepsPerRad * Math.abs(a)), 1);
    let [x, y] = nk;
    for (let i = 0; i < count; i++) {
      out.push([Math.round(vx + x * d), Math.round(vy + y * d)]);
      [x, y] = [x * cos - sin * y, x * sin + y * cos];
    }
    out.push([Math.round(vx + nj[0] * d), Math.round(vy + nj[1] * d)]);
  }
  return minAreaRect(out);
}

/** Connected regions (8-neighbourhood) of `mask`, each as the coordinates of its boundary pixels. */
function regions(mask: Uint8Array, W: number, H: number, prob: (i: number) => number): { boundary: TPoint[]; pixels: number; score: number }[] {
  const label = new Int32Array(W * H).fill(-1);
  const out: { boundary: TPoint[]; pixels: number; score: number }[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || label[start] !== -1) continue;
    const id = out.length;
    const region = { boundary: [] as TPoint[], pixels: 0, score: 0 };
    label[start] = id;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % W;
      const y = (i - x) / W;
      region.pixels++;
      region.score += prob(i);
      let edge = false;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if (dx === 0 && dy === 0) continue;
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= W || ny >= H) {
            edge = true;
            continue;
          }
          const j = ny * W + nx;
          if (!mask[j]) {
            if (dx === 0 || dy === 0) edge = true;
            continue;
          }
          if (label[j] === -1) {
            label[j] = id;
            stack.push(j);
          }
        }
      }
      if (edge) region.boundary.push([x, y]);
    }
    region.score /= region.pixels;
    out.push(region);
  }
  return out;
}

export const textBoxes = defineNode({
  type: "post/text-boxes@v1",
  title: "Text boxes (DB)",
  category: "postprocessing",
  description:
    "Text regions from a DB text detector's probability map [1, 1, H, W] (PaddleOCR det, as in PaddleOCR's DBPostProcess): pixels above `threshold` form regions; each region's minimum-area rectangle is grown by area × unclipRatio / perimeter on every side, and kept when its short side is at least minSize (before and, + 2, after growing) and its mean probability reaches boxThreshold. Detections carry `points` (the rotated box's corners, clockwise from top-left), the axis-aligned `box` around them, and `score`, in the map's pixels, top to bottom. Follow with Rescale boxes to get original-image coordinates, and Crop (each) to cut the lines out.",
  params: z.object({
    threshold: z.number().min(0).max(1).default(0.3),
    boxThreshold: z.number().min(0).max(1).default(0).meta({ description: "Minimum mean probability inside a region (PaddleOCR: 0.6)" }),
    unclipRatio: z.number().min(0).max(10).default(1.5),
    minSize: z.number().min(0).default(3),
    maxCandidates: z.int().min(1).max(10_000).default(1000),
  }),
  ports: { inputs: { probabilities: { kind: kinds.tensor("any") } }, outputs: { detections: kinds.list(kinds.json()), count: kinds.integer() } },
  execute(inputs, p) {
    const t = tensorInput(inputs, "probabilities", { dtypes: FLOATS });
    const dims = t.shape.filter((d, i) => !(d === 1 && i < t.shape.length - 2));
    if (dims.length !== 2) throw new NodeInputError(`expected one probability map [1, 1, H, W] or [H, W], got [${t.shape.join(", ")}]`, "probabilities");
    const [H, W] = dims as [number, number];
    const mask = new Uint8Array(W * H);
    for (let i = 0; i < mask.length; i++) mask[i] = readNumber(t, i) > p.threshold ? 1 : 0;
    const found: TDetection[] = [];
    for (const r of regions(mask, W, H, (i) => readNumber(t, i)).slice(0, p.maxCandidates)) {
      const rect = minAreaRect(r.boundary);
      if (Math.min(rect.w, rect.h) < p.minSize) continue;
      // The region's mean probability (PaddleOCR's fast box score averages over the rectangle instead).
      if (r.score < p.boxThreshold) continue;
      const d = (rect.w * rect.h * p.unclipRatio) / (2 * (rect.w + rect.h));
      const grown = d > 0 ? unclipRect(rect, d) : rect;
      if (Math.min(grown.w, grown.h) < p.minSize + 2) continue;
      const points = orderedCorners(grown);
      const xs = points.map((q) => q[0]);
      const ys = points.map((q) => q[1]);
      found.push({ box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], points, score: r.score });
    }
    found.sort((a, b) => a.box[1] - b.box[1] || a.box[0] - b.box[0]);
    return { detections: found, count: found.length };
  },
});
