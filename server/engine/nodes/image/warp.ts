import { distance, homography, type TQuad } from "../../values/boxes.ts";
import type { TPixels } from "../../values/image.ts";

/**
 * Perspective crop of a quadrilateral (clockwise from its top-left corner) into an upright rectangle, as
 * PaddleOCR's get_rotate_crop_image: size from the longer opposite sides, bicubic sampling (a = −0.75, as
 * OpenCV's INTER_CUBIC) with replicated borders. Pixel work on raw bytes; the codec is not involved.
 */
export function warpQuad(px: TPixels, quad: TQuad): { data: Uint8Array; width: number; height: number } {
  const [p0, p1, p2, p3] = quad;
  const width = Math.trunc(Math.max(distance(p0, p1), distance(p2, p3)));
  const height = Math.trunc(Math.max(distance(p0, p3), distance(p1, p2)));
  if (width < 1 || height < 1) throw new RangeError(`the box is ${width}×${height} pixels: nothing to crop`);
  // Maps output pixel (x, y) to the source: the inverse direction of the crop.
  const H = homography(
    [
      [0, 0],
      [width, 0],
      [width, height],
      [0, height],
    ],
    quad,
  );
  const c = px.channels;
  const out = new Uint8Array(width * height * c);
  const W = px.width;
  const Hh = px.height;
  const src = px.data;
  const wx = new Float64Array(4);
  const wy = new Float64Array(4);
  const acc = new Float64Array(c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = H[6]! * x + H[7]! * y + 1;
      const sx = (H[0]! * x + H[1]! * y + H[2]!) / d;
      const sy = (H[3]! * x + H[4]! * y + H[5]!) / d;
      const ix = Math.floor(sx);
      const iy = Math.floor(sy);
      cubicWeights(sx - ix, wx);
      cubicWeights(sy - iy, wy);
      acc.fill(0);
      for (let j = 0; j < 4; j++) {
        const yy = Math.min(Hh - 1, Math.max(0, iy - 1 + j));
        for (let i = 0; i < 4; i++) {
          const xx = Math.min(W - 1, Math.max(0, ix - 1 + i));
          const w = wx[i]! * wy[j]!;
          const at = (yy * W + xx) * c;
          for (let k = 0; k < c; k++) acc[k]! += w * src[at + k]!;
        }
      }
      const o = (y * width + x) * c;
      for (let k = 0; k < c; k++) out[o + k] = Math.min(255, Math.max(0, Math.round(acc[k]!)));
    }
  }
  return { data: out, width, height };
}

function cubicWeights(t: number, w: Float64Array) {
  const A = -0.75;
  w[0] = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
  w[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
  w[2] = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
  w[3] = 1 - w[0]! - w[1]! - w[2]!;
}

/** Rotated 90° counter-clockwise (np.rot90): PaddleOCR turns tall crops of vertical text this way. */
export function rotate90ccw(p: { data: Uint8Array; width: number; height: number }, c: number): { data: Uint8Array; width: number; height: number } {
  const { width: W, height: H, data } = p;
  const out = new Uint8Array(data.length);
  // Output is H wide and W tall: out(x', y') = in(W - 1 - y', x').
  for (let y = 0; y < W; y++) {
    for (let x = 0; x < H; x++) {
      const s = (x * W + (W - 1 - y)) * c;
      const d = (y * H + x) * c;
      for (let k = 0; k < c; k++) out[d + k] = data[s + k]!;
    }
  }
  return { data: out, width: H, height: W };
}
