/**
 * Boxes and detections as postprocessing and image nodes exchange them (JSON-able values).
 *
 * A detection is `{ box: [x1, y1, x2, y2], score, classId, label }` in pixels of some image (corners, x to
 * the right, y down); text detectors add `points`, the four corners of a rotated box (clockwise from the
 * top-left). Nodes accept the common spellings of a box and always emit this one.
 */
export type TXyxy = [number, number, number, number];
export type TPoint = [number, number];
export type TQuad = [TPoint, TPoint, TPoint, TPoint];

export interface TDetection {
  box: TXyxy;
  score?: number;
  classId?: number;
  label?: string;
  points?: TQuad;
}

export type TBoxFormat = "xyxy" | "xywh" | "cxcywh";

/** [a, b, c, d] in `format` → xyxy. */
export function toXyxy(a: number, b: number, c: number, d: number, format: TBoxFormat): TXyxy {
  switch (format) {
    case "xyxy":
      return [a, b, c, d];
    case "xywh":
      return [a, b, a + c, b + d];
    case "cxcywh":
      return [a - c / 2, b - d / 2, a + c / 2, b + d / 2];
  }
}

export function area(b: TXyxy): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

export function iou(a: TXyxy, b: TXyxy): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isPoint = (v: unknown): v is TPoint => Array.isArray(v) && v.length === 2 && v.every(isNum);

/**
 * A box from any common spelling: [x1, y1, x2, y2]; four [x, y] corners; {box}, {points} (a detection);
 * {x1, y1, x2, y2}; {left, top, width, height}; {x, y, width, height}. Throws a TypeError saying what
 * it expected.
 */
export function parseBox(v: unknown): { box: TXyxy; points?: TQuad } {
  if (Array.isArray(v)) {
    if (v.length === 4 && v.every(isNum)) return { box: normalised(v as TXyxy) };
    if (v.length === 4 && v.every(isPoint)) {
      const points = v as TQuad;
      const xs = points.map((p) => p[0]);
      const ys = points.map((p) => p[1]);
      return { box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], points };
    }
  } else if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    if (o.points !== undefined) return parseBox(o.points);
    if (o.box !== undefined) return parseBox(o.box);
    if ([o.x1, o.y1, o.x2, o.y2].every(isNum)) return { box: normalised([o.x1, o.y1, o.x2, o.y2] as TXyxy) };
    const left = o.left ?? o.x;
    const top = o.top ?? o.y;
    if ([left, top, o.width, o.height].every(isNum)) {
      const [l, t, w, h] = [left, top, o.width, o.height] as number[];
      return { box: normalised([l!, t!, l! + w!, t! + h!]) };
    }
  }
  throw new TypeError(`expected a box: [x1, y1, x2, y2], four [x, y] corners, or an object with box/points/x1…y2/left, top, width, height; got ${JSON.stringify(v)?.slice(0, 80)}`);
}

function normalised(b: TXyxy): TXyxy {
  return [Math.min(b[0], b[2]), Math.min(b[1], b[3]), Math.max(b[0], b[2]), Math.max(b[1], b[3])];
}

/**
 * The homography H (row-major 3×3, h33 = 1) with H·(u, v, 1) ∝ (x, y, 1) for the four pairs src[i] → dst[i]
 * (as OpenCV's getPerspectiveTransform). Throws on degenerate input.
 */
export function homography(src: readonly TPoint[], dst: readonly TPoint[]): number[] {
  const A: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [u, v] = src[i]!;
    const [x, y] = dst[i]!;
    A.push([u, v, 1, 0, 0, 0, -u * x, -v * x, x]);
    A.push([0, 0, 0, u, v, 1, -u * y, -v * y, y]);
  }
  // Gaussian elimination with partial pivoting on the 8×9 augmented matrix.
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    if (Math.abs(A[p]![c]!) < 1e-12) throw new RangeError("degenerate quadrilateral (three corners on a line)");
    [A[c], A[p]] = [A[p]!, A[c]!];
    const row = A[c]!;
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / row[c]!;
      if (f !== 0) for (let k = c; k < 9; k++) A[r]![k]! -= f * row[k]!;
    }
  }
  return [...A.map((r, i) => r[8]! / r[i]!), 1];
}

export function distance(a: TPoint, b: TPoint): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}
