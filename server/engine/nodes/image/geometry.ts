import { extendImage, extractImage, resizeImage, type TImage, type TKernel } from "../../values/image.ts";

/**
 * Resize geometry shared by image/resize and image/center-crop: target sizes, letterbox padding and cover
 * crops computed here (not by sharp's fit modes), so every image's frame knows exactly where its pixels came
 * from and boxes can be mapped back.
 */
export type TResizeMode = "stretch" | "letterbox" | "cover" | "keep-aspect" | "shorter-side" | "longer-side";
export type TRounding = "ceil" | "round" | "floor";

export interface TResizeSpec {
  mode: TResizeMode;
  width?: number | undefined;
  height?: number | undefined;
  size?: number | undefined;
  roundTo?: number | undefined;
  rounding: TRounding;
  allowUpscale: boolean;
  kernel: TKernel;
  position: "center" | "top-left";
  padColour: readonly number[];
  /** keep-aspect: a wider result is squeezed to this width (PaddleOCR's classifier and recogniser inputs). */
  maxWidth?: number | undefined;
}

const ROUND = { ceil: Math.ceil, round: Math.round, floor: Math.floor };

/** `v` rounded to a multiple of `m` (at least m). */
export function toMultiple(v: number, m: number | undefined, rounding: TRounding): number {
  if (!m || m <= 1) return v;
  return Math.max(m, ROUND[rounding](v / m) * m);
}

/** The output size when it does not depend on the input image (fixed targets); null otherwise. */
export function staticSize(s: TResizeSpec): { width: number; height: number } | null {
  if ((s.mode === "stretch" || s.mode === "letterbox" || s.mode === "cover") && s.width !== undefined && s.height !== undefined) {
    return { width: toMultiple(s.width, s.roundTo, s.rounding), height: toMultiple(s.height, s.roundTo, s.rounding) };
  }
  return null;
}

export function resizeBySpec(img: TImage, s: TResizeSpec): TImage {
  const W = img.width;
  const H = img.height;
  const scaled = (scale: number) => {
    const k = s.allowUpscale ? scale : Math.min(1, scale);
    return { width: Math.max(1, Math.round(W * k)), height: Math.max(1, Math.round(H * k)) };
  };
  switch (s.mode) {
    case "stretch":
    case "letterbox":
    case "cover": {
      const tw = toMultiple(s.width ?? W, s.roundTo, s.rounding);
      const th = toMultiple(s.height ?? H, s.roundTo, s.rounding);
      if (s.mode === "stretch") return resizeImage(img, tw, th, s.kernel);
      if (s.mode === "letterbox") {
        const k = Math.min(tw / W, th / H);
        const rw = Math.min(tw, Math.max(1, Math.round(W * k)));
        const rh = Math.min(th, Math.max(1, Math.round(H * k)));
        const left = s.position === "center" ? Math.floor((tw - rw) / 2) : 0;
        const top = s.position === "center" ? Math.floor((th - rh) / 2) : 0;
        return extendImage(resizeImage(img, rw, rh, s.kernel), { left, top, right: tw - rw - left, bottom: th - rh - top }, s.padColour);
      }
      const k = Math.max(tw / W, th / H);
      const rw = Math.max(tw, Math.round(W * k));
      const rh = Math.max(th, Math.round(H * k));
      const left = s.position === "center" ? Math.floor((rw - tw) / 2) : 0;
      const top = s.position === "center" ? Math.floor((rh - th) / 2) : 0;
      return extractImage(resizeImage(img, rw, rh, s.kernel), left, top, tw, th);
    }
    case "keep-aspect": {
      const kw = s.width !== undefined ? s.width / W : Infinity;
      const kh = s.height !== undefined ? s.height / H : Infinity;
      const k = Math.min(kw, kh);
      const size = Number.isFinite(k) ? scaled(k) : { width: W, height: H };
      if (s.maxWidth !== undefined && size.width > s.maxWidth) size.width = s.maxWidth;
      return roundedResize(img, size, s);
    }
    case "shorter-side":
    case "longer-side": {
      const side = s.mode === "shorter-side" ? Math.min(W, H) : Math.max(W, H);
      return roundedResize(img, scaled((s.size ?? side) / side), s);
    }
  }
}

function roundedResize(img: TImage, size: { width: number; height: number }, s: TResizeSpec): TImage {
  return resizeImage(img, toMultiple(size.width, s.roundTo, s.rounding), toMultiple(size.height, s.roundTo, s.rounding), s.kernel);
}

/** The central width × height region, padded with `padColour` where the image is smaller (like torchvision). */
export function centerCrop(img: TImage, width: number, height: number, padColour: readonly number[]): TImage {
  const padX = Math.max(0, width - img.width);
  const padY = Math.max(0, height - img.height);
  const padded = extendImage(img, { left: Math.floor(padX / 2), right: padX - Math.floor(padX / 2), top: Math.floor(padY / 2), bottom: padY - Math.floor(padY / 2) }, padColour);
  // torchvision's offsets: int(round((h - th) / 2.0)), Python rounding half to even.
  const left = roundHalfEven((padded.width - width) / 2);
  const top = roundHalfEven((padded.height - height) / 2);
  return extractImage(padded, left, top, width, height);
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d !== 0.5) return Math.round(v);
  return f % 2 === 0 ? f : f + 1;
}
