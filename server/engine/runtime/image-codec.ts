import type { Sharp } from "sharp";
import { CodedNodeError } from "../errors.ts";
import {
  CHANNELS,
  DEFAULT_MAX_PIXELS,
  identityFrame,
  MAX_DIMENSION,
  type TColour,
  type TImage,
  type TImageCodec,
  type TImageFormat,
  type TImageOp,
  type TPixels,
} from "../values/image.ts";
import { readImageHeader } from "./image-header.ts";

/**
 * The image codec nodes reach through their execution context: sharp (libvips) for decoding, resampling
 * and encoding. sharp is loaded on first use, so processes that never touch an image never load libvips.
 *
 * Pending ops run in as few libvips pipelines as possible. A sharp pipeline applies its steps in a fixed
 * order — orientation, extract, resize, extract, extend — so a chain that fits that order (decode →
 * resize → center-crop, or → letterbox) is one pipeline, with JPEG shrink-on-load; a chain that does not
 * (crop after pad, two resizes) is split, handing raw pixels from one pipeline to the next.
 */
let sharpModule: Promise<typeof import("sharp")["default"]> | undefined;
function loadSharp() {
  sharpModule ??= import("sharp").then((m) => {
    // One libvips thread per pipeline: with a core per inference worker, more threads only contend.
    m.default.concurrency(1);
    return m.default;
  });
  return sharpModule;
}

const KERNELS = { nearest: "nearest", linear: "linear", cubic: "cubic", lanczos3: "lanczos3" } as const;
/** Where each op sits in a sharp pipeline; a stage holds ops in strictly increasing slots. */
const SLOT = { extractBefore: 0, resize: 1, extractAfter: 2, extend: 3 } as const;

function imageError(code: ConstructorParameters<typeof CodedNodeError>[0], message: string, port?: string): CodedNodeError {
  return new CodedNodeError(code, message, port);
}

export function createImageCodec(): TImageCodec {
  const memo = new WeakMap<TImage, Promise<TPixels>>();

  return {
    open(bytes, opts = {}) {
      const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
      if (bytes.length === 0) throw imageError("IMAGE_EMPTY", "the image is empty (0 bytes)");
      const r = readImageHeader(bytes);
      if (!r.ok) throw imageError(r.code, r.code === "IMAGE_UNSUPPORTED" ? `unsupported image format: ${r.message}` : `the image is corrupt: ${r.message}`);
      const h = r.header;
      if (h.width === 0 || h.height === 0) throw imageError("IMAGE_EMPTY", `the image has no pixels (${h.width}×${h.height})`);
      if (h.width > MAX_DIMENSION || h.height > MAX_DIMENSION || h.width * h.height > maxPixels) {
        throw imageError("IMAGE_TOO_LARGE", `the image is ${h.width}×${h.height} (${formatMp(h.width * h.height)}), more than the limit of ${formatMp(maxPixels)}`);
      }
      const swap = h.orientation >= 5;
      const width = swap ? h.height : h.width;
      const height = swap ? h.width : h.height;
      return {
        kind: "image",
        width,
        height,
        // RGB unless a node asks otherwise (decode's colour, image/colour): alpha is dropped like PIL's convert("RGB").
        colour: "rgb",
        source: { type: "encoded", format: h.format, bytes, width, height, orientation: h.orientation, hasAlpha: h.hasAlpha, maxPixels },
        ops: [],
        frame: identityFrame(width, height),
      };
    },

    pixels(image) {
      let p = memo.get(image);
      if (!p) {
        p = materialise(image);
        memo.set(image, p);
      }
      return p;
    },

    async encode(image, format, opts = {}) {
      const px = await this.pixels(image);
      const sharp = await loadSharp();
      const rgbOrder = px.colour === "bgr" ? swapRB(px.data, 3) : px.data;
      const s = sharp(rgbOrder, { raw: { width: px.width, height: px.height, channels: px.channels } });
      if (px.colour === "gray") s.toColourspace("b-w"); // sharp writes sRGB unless told: keep one channel
      const out = format === "png" ? s.png() : format === "jpeg" ? s.jpeg({ quality: opts.quality ?? 90 }) : s.webp({ quality: opts.quality ?? 90 });
      return new Uint8Array(await out.toBuffer());
    },
  };
}

/**
 * A small WebP of an encoded image (PNG, JPEG, WebP, a GIF's first frame) for the invocation log: EXIF
 * orientation applied, longest side at most `maxSide` (never enlarged), metadata dropped. libvips checks
 * the size in the header against `maxPixels` before decoding (decompression bombs), and JPEGs shrink on
 * load, so a photo costs milliseconds. Throws whatever libvips throws when it cannot decode the bytes.
 */
export async function thumbnail(bytes: Uint8Array, maxSide: number, opts: { maxPixels?: number; quality?: number } = {}): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const out = await sharp(bytes, { autoOrient: true, limitInputPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, failOn: "error" })
    .resize(maxSide, maxSide, { fit: "inside", withoutEnlargement: true })
    .webp({ quality: opts.quality ?? 60 })
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

async function materialise(image: TImage): Promise<TPixels> {
  const sharp = await loadSharp();
  const src = image.source;
  const stages = splitStages(image.ops);
  if (src.type === "raw" && stages.length === 0 && src.colour === image.colour) {
    return { data: src.data, width: src.width, height: src.height, channels: CHANNELS[src.colour], colour: src.colour };
  }
  // libvips works in RGB(A) or gray: a BGR source is swapped once on the way in, and the colour every
  // stage but the last works in is the source's own, so nothing is lost before the end.
  const working: TColour = src.type === "raw" ? (src.colour === "bgr" ? "rgb" : src.colour) : src.hasAlpha ? "rgba" : "rgb";
  // A one-channel PNG/JPEG stays one channel when gray is wanted; only its header tells (no alpha, no colour).
  const sourceIsGray = src.type === "raw" ? src.colour === "gray" : false;
  let pipeline: Sharp;
  try {
    if (src.type === "encoded") {
      pipeline = sharp(src.bytes, { autoOrient: true, limitInputPixels: src.maxPixels, failOn: "error" });
    } else {
      const data = src.colour === "bgr" ? swapRB(src.data, 3) : src.data;
      pipeline = sharp(data, { raw: { width: src.width, height: src.height, channels: CHANNELS[src.colour] } });
    }
    for (let i = 0; ; i++) {
      const last = i >= stages.length - 1;
      for (const op of stages[i] ?? []) applyOp(pipeline, op);
      const out = await finish(pipeline, last ? image.colour : working, i === 0 ? sourceIsGray : working === "gray");
      if (last) {
        if (out.width !== image.width || out.height !== image.height) {
          throw new Error(`image codec produced ${out.width}×${out.height}, expected ${image.width}×${image.height} (header and decoder disagree)`);
        }
        return out;
      }
      pipeline = sharp(out.data, { raw: { width: out.width, height: out.height, channels: out.channels } });
    }
  } catch (e) {
    if (e instanceof CodedNodeError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    if (/pixel limit/i.test(message)) throw imageError("IMAGE_TOO_LARGE", `the image exceeds the pixel limit: ${message.trim()}`);
    if (/header and decoder disagree/.test(message)) throw e;
    throw imageError("IMAGE_CORRUPT", `the image could not be decoded: ${message.trim()}`);
  }
}

/** Splits ops into runs that one sharp pipeline can apply in order; consecutive extracts are merged. */
export function splitStages(ops: readonly TImageOp[]): TImageOp[][] {
  const stages: TImageOp[][] = [];
  let current: TImageOp[] = [];
  let slot = -1;
  for (const op of ops) {
    const prev = current[current.length - 1];
    if (op.op === "extract" && prev?.op === "extract") {
      current[current.length - 1] = { op: "extract", left: prev.left + op.left, top: prev.top + op.top, width: op.width, height: op.height };
      continue;
    }
    const s = op.op === "resize" ? SLOT.resize : op.op === "extend" ? SLOT.extend : slot < SLOT.resize ? SLOT.extractBefore : SLOT.extractAfter;
    if (s <= slot) {
      stages.push(current);
      current = [];
      slot = -1;
    }
    const placed = op.op === "extract" && slot < 0 ? SLOT.extractBefore : s;
    current.push(op);
    slot = placed;
  }
  if (current.length) stages.push(current);
  return stages;
}

function applyOp(p: Sharp, op: TImageOp) {
  switch (op.op) {
    case "extract":
      p.extract({ left: op.left, top: op.top, width: op.width, height: op.height });
      return;
    case "resize":
      p.resize(op.width, op.height, { fit: "fill", kernel: KERNELS[op.kernel] });
      return;
    case "extend": {
      const [r = 0, g = r, b = r, a = 255] = op.background;
      p.extend({ top: op.top, bottom: op.bottom, left: op.left, right: op.right, background: { r, g, b, alpha: a / 255 } });
      return;
    }
  }
}

/**
 * Runs an RGB(A)/gray pipeline into raw pixels of `target` colour. BGR is swapped here, after libvips. Gray is
 * ITU-R BT.601 luma of the gamma-encoded values, as PIL's convert("L") and OpenCV's RGB2GRAY compute it (what
 * models were trained on), not libvips' linear-light luminance; a one-channel input stays as it is.
 */
async function finish(p: Sharp, target: TColour, inputGray: boolean): Promise<TPixels> {
  if (target === "gray" && inputGray) p.removeAlpha().toColourspace("b-w");
  else if (target === "rgba") p.ensureAlpha().toColourspace("srgb");
  else p.removeAlpha().toColourspace("srgb");
  const { data, info } = await p.raw().toBuffer({ resolveWithObject: true });
  let bytes: Uint8Array = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (target === "gray" && info.channels === 3) bytes = luma(bytes);
  else if (target === "bgr") bytes = swapRB(bytes, 3);
  const want = CHANNELS[target];
  if (bytes.length !== info.width * info.height * want) throw new Error(`libvips returned ${info.channels} channels, expected ${want}`);
  return { data: bytes, width: info.width, height: info.height, channels: want, colour: target };
}

/** BT.601 luma in PIL's fixed point: (R·19595 + G·38470 + B·7471 + 2^15) >> 16. */
function luma(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = (rgb[j]! * 19595 + rgb[j + 1]! * 38470 + rgb[j + 2]! * 7471 + 0x8000) >> 16;
  return out;
}

/** A copy with channels 0 and 2 of each pixel swapped (RGB ⇄ BGR). */
export function swapRB(data: Uint8Array, channels: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += channels) {
    out[i] = data[i + 2]!;
    out[i + 1] = data[i + 1]!;
    out[i + 2] = data[i]!;
    for (let c = 3; c < channels; c++) out[i + c] = data[i + c]!;
  }
  return out;
}

function formatMp(px: number): string {
  return `${Math.round(px / 100_000) / 10} MP`;
}

export type { TImageFormat };
