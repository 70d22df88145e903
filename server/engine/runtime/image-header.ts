import type { TImageFormat } from "../values/image.ts";

/**
 * Reads what the engine needs to know about an encoded PNG, JPEG or WebP before decoding it: format,
 * stored size, EXIF orientation and whether it has alpha. Pure JS over the first chunks of the file
 * (microseconds, no pixel decoded), so a decode node can refuse a decompression bomb or a truncated header
 * at once, and images stay lazy until their pixels are needed. libvips reads the pixels later and the codec
 * checks it agrees on the size.
 */
export interface TImageHeader {
  format: TImageFormat;
  /** As stored, before orientation. */
  width: number;
  height: number;
  /** EXIF orientation 1–8 (1 when absent or invalid). */
  orientation: number;
  hasAlpha: boolean;
}

export type THeaderResult = { ok: true; header: TImageHeader } | { ok: false; code: "IMAGE_UNSUPPORTED" | "IMAGE_CORRUPT"; message: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format from the magic number, or null. */
export function sniffFormat(b: Uint8Array): TImageFormat | null {
  if (b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v)) return "png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 12 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") return "webp";
  return null;
}

export function readImageHeader(b: Uint8Array): THeaderResult {
  const format = sniffFormat(b);
  if (!format) return { ok: false, code: "IMAGE_UNSUPPORTED", message: `not a PNG, JPEG or WebP image${describeMagic(b)}` };
  try {
    const header = format === "png" ? png(b) : format === "jpeg" ? jpeg(b) : webp(b);
    return { ok: true, header };
  } catch (e) {
    if (e instanceof HeaderError) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

class HeaderError extends Error {
  constructor(
    readonly code: "IMAGE_UNSUPPORTED" | "IMAGE_CORRUPT",
    message: string,
  ) {
    super(message);
  }
}

const corrupt = (what: string) => new HeaderError("IMAGE_CORRUPT", what);

function png(b: Uint8Array): TImageHeader {
  const v = view(b);
  let at = 8;
  let width = -1;
  let height = -1;
  let hasAlpha = false;
  let orientation = 1;
  while (at + 8 <= b.length) {
    const len = v.getUint32(at);
    const type = ascii(b, at + 4, 4);
    const data = at + 8;
    if (data + len > b.length) throw corrupt(`PNG chunk '${type}' is truncated`);
    if (type === "IHDR") {
      if (len < 13) throw corrupt("PNG header chunk is too short");
      width = v.getUint32(data);
      height = v.getUint32(data + 4);
      const colourType = b[data + 9]!;
      hasAlpha = colourType === 4 || colourType === 6;
    } else if (width < 0) throw corrupt("PNG does not start with its header chunk");
    else if (type === "tRNS") hasAlpha = true;
    else if (type === "eXIf") orientation = exifOrientation(b, data, len);
    else if (type === "IDAT" || type === "IEND") break;
    at = data + len + 4; // + CRC
  }
  if (width < 0) throw corrupt("PNG has no header chunk");
  return { format: "png", width, height, orientation, hasAlpha };
}

function jpeg(b: Uint8Array): TImageHeader {
  const v = view(b);
  let at = 2;
  let orientation = 1;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) throw corrupt(`JPEG marker expected at byte ${at}`);
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image / start of scan before any frame header
    const len = v.getUint16(at + 2);
    if (len < 2 || at + 2 + len > b.length) throw corrupt("JPEG segment is truncated");
    const data = at + 4;
    if (marker === 0xe1 && len >= 8 && ascii(b, data, 6) === "Exif\0\0") orientation = exifOrientation(b, data + 6, len - 8);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (len < 8) throw corrupt("JPEG frame header is too short");
      return { format: "jpeg", height: v.getUint16(data + 1), width: v.getUint16(data + 3), orientation, hasAlpha: false };
    }
    at += 2 + len;
  }
  throw corrupt("JPEG has no frame header (truncated or not an image)");
}

function webp(b: Uint8Array): TImageHeader {
  const v = view(b);
  let at = 12;
  let header: Omit<TImageHeader, "orientation" | "format"> | undefined;
  let orientation = 1;
  while (at + 8 <= b.length) {
    const type = ascii(b, at, 4);
    const len = v.getUint32(at + 4, true);
    const data = at + 8;
    const end = Math.min(b.length, data + len);
    if (type === "VP8X") {
      if (end - data < 10) throw corrupt("WebP extended header is too short");
      const flags = b[data]!;
      header = { hasAlpha: (flags & 0x10) !== 0, width: 1 + uint24(b, data + 4), height: 1 + uint24(b, data + 7) };
      if ((flags & 0x08) === 0) break; // no EXIF chunk to look for
    } else if (type === "VP8 " && !header) {
      if (end - data < 10 || b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) throw corrupt("WebP lossy frame header is invalid");
      return { format: "webp", width: v.getUint16(data + 6, true) & 0x3fff, height: v.getUint16(data + 8, true) & 0x3fff, orientation: 1, hasAlpha: false };
    } else if (type === "VP8L" && !header) {
      if (end - data < 5 || b[data] !== 0x2f) throw corrupt("WebP lossless header is invalid");
      const bits = v.getUint32(data + 1, true);
      return { format: "webp", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, orientation: 1, hasAlpha: ((bits >>> 28) & 1) === 1 };
    } else if (type === "EXIF" && header) {
      const tiff = ascii(b, data, 6) === "Exif\0\0" ? data + 6 : data;
      orientation = exifOrientation(b, tiff, end - tiff);
      break;
    }
    if (data + len > b.length) break;
    at = data + len + (len & 1); // chunks are padded to even sizes
  }
  if (!header) throw corrupt("WebP has no image header (truncated)");
  return { format: "webp", ...header, orientation };
}

/** Orientation (tag 0x0112) from a TIFF structure at `start`; 1 when absent or unreadable. */
function exifOrientation(b: Uint8Array, start: number, len: number): number {
  const end = Math.min(b.length, start + len);
  if (end - start < 8) return 1;
  const v = view(b);
  const order = ascii(b, start, 2);
  if (order !== "II" && order !== "MM") return 1;
  const le = order === "II";
  const ifd = start + v.getUint32(start + 4, le);
  if (ifd + 2 > end) return 1;
  const count = v.getUint16(ifd, le);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > end) return 1;
    if (v.getUint16(e, le) === 0x0112) {
      const o = v.getUint16(e + 8, le);
      return o >= 1 && o <= 8 ? o : 1;
    }
  }
  return 1;
}

function view(b: Uint8Array) {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function ascii(b: Uint8Array, at: number, n: number): string {
  let s = "";
  for (let i = at; i < at + n && i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function uint24(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
}

function describeMagic(b: Uint8Array): string {
  if (b.length === 0) return " (no bytes)";
  if (ascii(b, 0, 3) === "GIF") return " (it is a GIF)";
  if (ascii(b, 0, 2) === "BM") return " (it is a BMP)";
  if (ascii(b, 0, 4) === "%PDF") return " (it is a PDF)";
  if (ascii(b, 4, 4) === "ftyp") return " (it is HEIF/AVIF or MP4)";
  if ((b[0] === 0x49 && b[1] === 0x49) || (b[0] === 0x4d && b[1] === 0x4d)) return " (it is a TIFF)";
  return "";
}
