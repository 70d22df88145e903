/**
 * Images as the engine passes them between nodes. Framework-free: no codec is imported here; decoding and
 * pixel work happen in the image codec (server/engine/runtime/image-codec.ts), reached through the node's
 * execution context.
 *
 * An image is plain, immutable data: a source (the encoded file as the caller sent it, or raw pixels) plus
 * the geometric operations still to apply to it. Nodes that crop, resize or pad only append an operation
 * (cheap, no pixel touched); the codec runs the whole chain in as few libvips pipelines as possible when
 * someone needs the pixels (to-tensor, encode). So decode → resize → to-tensor costs one JPEG decode with
 * shrink-on-load, as a hand-written sharp call would.
 *
 * Every image also carries its `frame`: how its pixel coordinates map back to the original image (after
 * EXIF orientation), so boxes found on a resized, letterboxed or cropped image can be put back.
 */

export const IMAGE_FORMATS = ["jpeg", "png", "webp"] as const;
export type TImageFormat = (typeof IMAGE_FORMATS)[number];

/** Channel layout of the pixels: interleaved, 8 bits per channel. */
export const IMAGE_COLOURS = ["rgb", "bgr", "rgba", "gray"] as const;
export type TColour = (typeof IMAGE_COLOURS)[number];
export const CHANNELS: Record<TColour, 1 | 3 | 4> = { rgb: 3, bgr: 3, rgba: 4, gray: 1 };

export type TKernel = "nearest" | "linear" | "cubic" | "lanczos3";

export type TImageSource =
  /** As received; width/height are after EXIF orientation, read from the header. */
  | { type: "encoded"; format: TImageFormat; bytes: Uint8Array; width: number; height: number; orientation: number; hasAlpha: boolean; maxPixels: number }
  /** Decoded pixels, interleaved, in the image's `colour` order before the pending ops. */
  | { type: "raw"; data: Uint8Array; width: number; height: number; colour: TColour };

export type TImageOp =
  /** Resample to exactly width × height. */
  | { op: "resize"; width: number; height: number; kernel: TKernel }
  | { op: "extract"; left: number; top: number; width: number; height: number }
  /** Pad with a constant colour (RGB(A) 0–255; gray uses the first value). */
  | { op: "extend"; top: number; bottom: number; left: number; right: number; background: readonly number[] };

/** Pixel (x, y) of this image sits at (x·sx + dx, y·sy + dy) in the original (both in pixel-edge coordinates). */
export interface TImageFrame {
  originalWidth: number;
  originalHeight: number;
  sx: number;
  sy: number;
  dx: number;
  dy: number;
}

export interface TImage {
  readonly kind: "image";
  /** Size after the pending ops. */
  readonly width: number;
  readonly height: number;
  readonly colour: TColour;
  readonly source: TImageSource;
  readonly ops: readonly TImageOp[];
  readonly frame: TImageFrame;
}

/** Decoded pixels: interleaved, `channels` bytes per pixel, in the image's colour order. */
export interface TPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  colour: TColour;
}

/** Coded failures of image handling; the executor reports the code as `details.reason`. */
export type TImageErrorCode = "IMAGE_CORRUPT" | "IMAGE_UNSUPPORTED" | "IMAGE_EMPTY" | "IMAGE_TOO_LARGE";

/** What image nodes need from the codec (implemented with sharp under server/engine/runtime/). */
export interface TImageCodec {
  /** Reads the header of an encoded PNG/JPEG/WebP (no pixel decoded): a lazy image, or a coded error. */
  open(bytes: Uint8Array, opts?: { maxPixels?: number }): TImage;
  /** Runs the pending ops; memoised per image value. Corrupt data fails here with IMAGE_CORRUPT. */
  pixels(image: TImage): Promise<TPixels>;
  encode(image: TImage, format: TImageFormat, opts?: { quality?: number }): Promise<Uint8Array>;
}

/** Default decompression-bomb limit: 40 megapixels (a 7300×5500 photo). */
export const DEFAULT_MAX_PIXELS = 40_000_000;
/** No image dimension may exceed this (libvips' own limit is 10M, far beyond any sensible input). */
export const MAX_DIMENSION = 65_535;

export function isImage(v: unknown): v is TImage {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "image";
}

export function identityFrame(width: number, height: number): TImageFrame {
  return { originalWidth: width, originalHeight: height, sx: 1, sy: 1, dx: 0, dy: 0 };
}

/** An image from raw interleaved pixels (tensor-to-image, crops computed in JS). */
export function imageFromPixels(p: { data: Uint8Array; width: number; height: number; colour: TColour }, frame?: TImageFrame): TImage {
  const channels = CHANNELS[p.colour];
  if (!Number.isInteger(p.width) || !Number.isInteger(p.height) || p.width < 1 || p.height < 1) throw new RangeError(`invalid image size ${p.width}×${p.height}`);
  if (p.data.length !== p.width * p.height * channels) throw new RangeError(`${p.width}×${p.height} ${p.colour} needs ${p.width * p.height * channels} bytes, got ${p.data.length}`);
  return { kind: "image", width: p.width, height: p.height, colour: p.colour, source: { type: "raw", ...p }, ops: [], frame: frame ?? identityFrame(p.width, p.height) };
}

function withOp(img: TImage, op: TImageOp, width: number, height: number, frame: TImageFrame): TImage {
  return { ...img, width, height, ops: [...img.ops, op], frame };
}

/** Resampled to exactly width × height (aspect ratio not kept). */
export function resizeImage(img: TImage, width: number, height: number, kernel: TKernel): TImage {
  checkSize(width, height);
  if (width === img.width && height === img.height) return img;
  const f = img.frame;
  const frame = { ...f, sx: (f.sx * img.width) / width, sy: (f.sy * img.height) / height };
  return withOp(img, { op: "resize", width, height, kernel }, width, height, frame);
}

/** The region left, top, width × height, which must lie inside the image. */
export function extractImage(img: TImage, left: number, top: number, width: number, height: number): TImage {
  checkSize(width, height);
  if (left < 0 || top < 0 || left + width > img.width || top + height > img.height) {
    throw new RangeError(`region ${width}×${height} at (${left}, ${top}) is outside the ${img.width}×${img.height} image`);
  }
  if (left === 0 && top === 0 && width === img.width && height === img.height) return img;
  const f = img.frame;
  return withOp(img, { op: "extract", left, top, width, height }, width, height, { ...f, dx: f.dx + left * f.sx, dy: f.dy + top * f.sy });
}

/** Padded by a constant colour on each side. */
export function extendImage(img: TImage, pad: { top: number; bottom: number; left: number; right: number }, background: readonly number[]): TImage {
  if (pad.top + pad.bottom + pad.left + pad.right === 0) return img;
  const width = img.width + pad.left + pad.right;
  const height = img.height + pad.top + pad.bottom;
  checkSize(width, height);
  const f = img.frame;
  return withOp(img, { op: "extend", ...pad, background: [...background] }, width, height, { ...f, dx: f.dx - pad.left * f.sx, dy: f.dy - pad.top * f.sy });
}

export function withColour(img: TImage, colour: TColour): TImage {
  return img.colour === colour ? img : { ...img, colour };
}

function checkSize(width: number, height: number) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`invalid image size ${width}×${height}`);
  if (width > MAX_DIMENSION || height > MAX_DIMENSION) throw new RangeError(`image size ${width}×${height} exceeds ${MAX_DIMENSION} pixels per side`);
}

/** Maps a point of the image back into the original image's coordinates. */
export function toOriginal(frame: TImageFrame, x: number, y: number): [number, number] {
  return [x * frame.sx + frame.dx, y * frame.sy + frame.dy];
}

/** A short description for traces and errors. */
export function describeImage(img: TImage): string {
  return `${img.width}×${img.height} ${img.colour}`;
}
