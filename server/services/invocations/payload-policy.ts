import { createHash } from "node:crypto";
import type { TTraceEntry } from "../../engine/executor/execute.ts";
import { thumbnail } from "../../engine/runtime/image-codec.ts";
import { isTensor } from "../../engine/values/tensor.ts";
import { toJsonValue, type TJson } from "../../engine/values/to-json.ts";

/**
 * What the invocation log keeps of a run's inputs and outputs, per pipeline (`Pipeline.log*`):
 *   full       everything, up to the server's hard cap (INVOCATION_PAYLOAD_MAX_BYTES)
 *   truncated  at most `truncateKb` KiB of inputs and of outputs
 *   metadata   names, types, sizes and shapes only: no values
 * `redact` names fields (top-level input/output names or dotted paths such as `patient.name`) whose value is
 * stored as "[redacted]", whatever the mode. Byte inputs (uploaded files) are never stored raw: only their
 * SHA-256, size and sniffed media type, and for images (PNG, JPEG, GIF, WebP) a thumbnail: a data URL of a
 * WebP at most 64 px on its longest side, EXIF orientation applied (a few hundred bytes to ~2 KB, a few ms;
 * libvips refuses images over the engine's pixel limit before decoding them). A thumbnail is best effort and
 * a courtesy: bytes that do not decode get none and the call goes on; metadata mode and redacted fields get
 * none (nothing is decoded for them); the first 16 images of a call get one; and all thumbnails are dropped
 * before any field is cut to fit the budget.
 *
 * Markers the log viewer should know (all objects with one `$…` key):
 *   { "$binary": { sha256, bytes, mediaType?, thumbnail? } }   raw bytes (thumbnail: "data:image/webp;base64,…")
 *   { "$truncated": { bytes, prefix } }             a field dropped to stay within the budget (`bytes`: its JSON size)
 *   { "$meta": { type, bytes, dtype?, shape?, length? } }  metadata mode
 */
export type TLogPayloadMode = "full" | "truncated" | "metadata";

export interface TLogPolicy {
  payload: TLogPayloadMode;
  truncateKb: number;
  redact: string[];
}

export const DEFAULT_LOG_POLICY: TLogPolicy = { payload: "full", truncateKb: 16, redact: [] };
export const REDACTED = "[redacted]";
const PREFIX_CHARS = 256;
/**
 * Image thumbnails: longest side (px), WebP quality, the largest encoding kept (only noise-like images exceed
 * it), and how many images of one call get one (a batch of hundreds should not hold up its log row).
 */
export const THUMBNAIL = { maxSide: 64, quality: 60, maxBytes: 4096, perCall: 16 } as const;

export type TBinaryInfo = {
  sha256: string;
  bytes: number;
  mediaType?: string;
  thumbnail?: string;
};

export interface TLoggedPayload {
  value: TJson;
  /** Something was left out (truncated or summarised), so the row is not a faithful copy of the call. */
  truncated: boolean;
}

/** The inputs of a call as the log stores them (binaries hashed, images thumbnailed, redacted, then cut to the policy). */
export async function logInputs(inputs: Record<string, unknown>, policy: TLogPolicy, hardCapBytes: number): Promise<TLoggedPayload> {
  const images: TPendingImage[] = [];
  const fields = toLoggable(inputs, [], policy.payload === "metadata" ? null : images) as Record<string, TJson>;
  await addThumbnails(images, policy.redact);
  return shape(fields, policy, hardCapBytes);
}

/** The outputs of a run (already JSON, as the caller received them) as the log stores them. */
export function logOutputs(outputs: Record<string, TJson>, policy: TLogPolicy, hardCapBytes: number): TLoggedPayload {
  return shape(outputs, policy, hardCapBytes);
}

/**
 * Trace entries carry value previews of every node's outputs, which would leak redacted fields and, in
 * metadata mode, the values themselves: then only types, dtypes and shapes are kept.
 */
export function logTrace(trace: TTraceEntry[], policy: TLogPolicy): TTraceEntry[] {
  if (policy.payload !== "metadata" && policy.redact.length === 0) return trace;
  return trace.map((t) => stripEntry(t));
}

/** One entry without its previews; a sub-graph node's per-element entries (list/map, list/scan) too. */
function stripEntry(t: TTraceEntry): TTraceEntry {
  const sub = t.sub ? { count: t.sub.count, elements: t.sub.elements.map((e) => ({ index: e.index, nodes: Object.fromEntries(Object.entries(e.nodes).map(([id, n]) => [id, stripEntry(n)])) })) } : undefined;
  if (!t.outputs) return sub ? { ...t, sub } : t;
  const outputs: NonNullable<TTraceEntry["outputs"]> = {};
  for (const [port, s] of Object.entries(t.outputs)) {
    if (s.type === "tensor") outputs[port] = { type: "tensor", dtype: s.dtype, shape: s.shape, preview: [] };
    else if (s.type === "list") outputs[port] = { type: "list", length: s.length, preview: [] };
    else if (s.type === "skipped") outputs[port] = s;
    else outputs[port] = { type: s.type, preview: s.type === "json" ? REDACTED : null } as (typeof outputs)[string];
  }
  return { ...t, outputs, ...(sub ? { sub } : {}) };
}

/** Raw bytes are described, never stored (the thumbnail of an image is added by logInputs). */
export function describeBinary(bytes: Uint8Array): TBinaryInfo {
  const mediaType = sniffMediaType(bytes);
  return { sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length, ...(mediaType ? { mediaType } : {}) };
}

function sniffMediaType(b: Uint8Array): string | undefined {
  const starts = (...sig: number[]) => sig.every((v, i) => b[i] === v);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38)) return "image/gif";
  if (starts(0x52, 0x49, 0x46, 0x46) && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return "image/webp";
  if (starts(0x52, 0x49, 0x46, 0x46) && b[8] === 0x57 && b[9] === 0x41 && b[10] === 0x56 && b[11] === 0x45) return "audio/wav";
  return undefined;
}

interface TPendingImage {
  bytes: Uint8Array;
  /** Where the value sits in the inputs (keys, array indices as strings): redaction is checked against it. */
  path: string[];
  /** The `$binary` object the thumbnail is added to (fresh, owned by this call). */
  info: TBinaryInfo;
}

/**
 * Like toJsonValue, except that byte arrays keep their hash (toJsonValue keeps only their length). Images
 * are collected into `images` (null: no thumbnails) for addThumbnails.
 */
function toLoggable(v: unknown, path: string[], images: TPendingImage[] | null): TJson {
  if (v instanceof Uint8Array) {
    const info = describeBinary(v);
    if (images && info.mediaType?.startsWith("image/")) images.push({ bytes: v, path, info });
    return { $binary: info };
  }
  if (isTensor(v)) return toJsonValue(v);
  if (Array.isArray(v)) return v.map((x, i) => toLoggable(x, [...path, String(i)], images));
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toLoggable(x, [...path, k], images)]));
  return toJsonValue(v);
}

/**
 * Adds a WebP thumbnail to the first images that are not redacted (redaction would replace them anyway);
 * the same bytes sent twice in one call are thumbnailed once.
 */
async function addThumbnails(images: TPendingImage[], redactPaths: string[]): Promise<void> {
  const redacted = redactPaths.map((p) => p.split("."));
  const wanted = images.filter((img) => !redacted.some((r) => r.length <= img.path.length && r.every((k, i) => k === img.path[i]))).slice(0, THUMBNAIL.perCall);
  const made = new Map<string, Promise<string | undefined>>();
  await Promise.all(
    wanted.map(async ({ bytes, info }) => {
      let url = made.get(info.sha256);
      if (!url) made.set(info.sha256, (url = thumbnailUrl(bytes)));
      const u = await url;
      if (u) info.thumbnail = u;
    }),
  );
}

async function thumbnailUrl(bytes: Uint8Array): Promise<string | undefined> {
  try {
    const webp = await thumbnail(bytes, THUMBNAIL.maxSide, { quality: THUMBNAIL.quality });
    return webp.length <= THUMBNAIL.maxBytes ? `data:image/webp;base64,${Buffer.from(webp).toString("base64")}` : undefined;
  } catch {
    // Deliberately dropped: the bytes only look like an image (a signature on garbage, a truncated upload,
    // over the pixel limit). The hash and size still describe them and logging must not fail the call; the
    // pipeline's own decode node reports the problem to the caller.
    return undefined;
  }
}

function shape(fields: Record<string, TJson>, policy: TLogPolicy, hardCapBytes: number): TLoggedPayload {
  const redacted = policy.redact.length ? redact(fields, policy.redact) : fields;
  if (policy.payload === "metadata") {
    return { value: Object.fromEntries(Object.entries(redacted).map(([k, v]) => [k, { $meta: describe(v) }])), truncated: Object.keys(redacted).length > 0 };
  }
  const budget = policy.payload === "truncated" ? Math.min(hardCapBytes, policy.truncateKb * 1024) : hardCapBytes;
  const fitted = fit(redacted, budget);
  // Thumbnails are a courtesy: all of them go before any field (a hash, say) is cut.
  return fitted.truncated ? fit(withoutThumbnails(redacted) as Record<string, TJson>, budget) : fitted;
}

function withoutThumbnails(v: TJson): TJson {
  if (Array.isArray(v)) return v.map(withoutThumbnails);
  if (v === null || typeof v !== "object") return v;
  if (isBinaryMarker(v)) return { $binary: withoutThumbnail(v.$binary) };
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutThumbnails(x)]));
}

function withoutThumbnail(info: Record<string, TJson>): Record<string, TJson> {
  const copy = { ...info };
  delete copy.thumbnail;
  return copy;
}

function isBinaryMarker(v: TJson): v is { $binary: Record<string, TJson> } {
  return v !== null && typeof v === "object" && !Array.isArray(v) && "$binary" in v && v.$binary !== null && typeof v.$binary === "object" && !Array.isArray(v.$binary);
}

/** Replaces the values at the given paths ("a" or "a.b.0.c") by "[redacted]"; copies only what it changes. */
export function redact(fields: Record<string, TJson>, paths: string[]): Record<string, TJson> {
  let out = fields;
  for (const path of paths) {
    const keys = path.split(".");
    const next = setAt(out, keys, 0);
    if (next !== undefined) out = next as Record<string, TJson>;
  }
  return out;
}

function setAt(node: TJson, keys: string[], i: number): TJson | undefined {
  if (node === null || typeof node !== "object") return undefined;
  const key = keys[i]!;
  const isArray = Array.isArray(node);
  if (isArray ? !/^\d+$/.test(key) || Number(key) >= node.length : !Object.hasOwn(node, key)) return undefined;
  const child = isArray ? node[Number(key)]! : (node as Record<string, TJson>)[key]!;
  const replaced = i === keys.length - 1 ? REDACTED : setAt(child, keys, i + 1);
  if (replaced === undefined) return undefined;
  if (isArray) {
    const copy = [...node];
    copy[Number(key)] = replaced;
    return copy;
  }
  return { ...node, [key]: replaced };
}

/** Keeps whole fields, in order, while they fit the budget; the others become a `$truncated` marker with a prefix. */
function fit(fields: Record<string, TJson>, budget: number): TLoggedPayload {
  const texts = Object.entries(fields).map(([k, v]) => {
    const text = JSON.stringify(v) ?? "null";
    return [k, v, text, Buffer.byteLength(text)] as const;
  });
  const total = texts.reduce((n, [k, , , bytes]) => n + bytes + k.length + 4, 2);
  if (total <= budget) return { value: fields, truncated: false };
  let left = budget;
  const out: Record<string, TJson> = {};
  for (const [k, v, text, bytes] of texts) {
    const cost = bytes + k.length + 4;
    if (cost <= left) {
      out[k] = v;
      left -= cost;
      continue;
    }
    const prefix = text.slice(0, Math.max(0, Math.min(PREFIX_CHARS, left - k.length - 48)));
    out[k] = { $truncated: { bytes, prefix } };
    left -= prefix.length + k.length + 48;
  }
  return { value: out, truncated: true };
}

function describe(v: TJson): Record<string, TJson> {
  const bytes = Buffer.byteLength(JSON.stringify(v) ?? "null");
  if (v === null) return { type: "null", bytes };
  if (v === REDACTED) return { type: "redacted" };
  if (Array.isArray(v)) return { type: "array", length: v.length, bytes };
  if (typeof v !== "object") return { type: typeof v, bytes };
  if (isBinaryMarker(v)) return { type: "binary", ...withoutThumbnail(v.$binary) };
  if ("dtype" in v && "shape" in v && "data" in v) return { type: "tensor", dtype: v.dtype!, shape: v.shape!, bytes };
  return { type: "object", bytes };
}
