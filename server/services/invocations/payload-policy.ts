import { createHash } from "node:crypto";
import type { TTraceEntry } from "../../engine/executor/execute.ts";
import { isTensor } from "../../engine/values/tensor.ts";
import { toJsonValue, type TJson } from "../../engine/values/to-json.ts";

/**
 * What the invocation log keeps of a run's inputs and outputs, per pipeline (`Pipeline.log*`):
 *   full       everything, up to the server's hard cap (INVOCATION_PAYLOAD_MAX_BYTES)
 *   truncated  at most `truncateKb` KiB of inputs and of outputs
 *   metadata   names, types, sizes and shapes only: no values
 * `redact` names fields (top-level input/output names or dotted paths such as `patient.name`) whose value is
 * stored as "[redacted]", whatever the mode. Byte inputs (uploaded files) are never stored raw: only their
 * SHA-256, size and sniffed media type.
 *
 * Markers the log viewer should know (all objects with one `$…` key):
 *   { "$binary": { sha256, bytes, mediaType? } }   raw bytes
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

export interface TLoggedPayload {
  value: TJson;
  /** Something was left out (truncated or summarised), so the row is not a faithful copy of the call. */
  truncated: boolean;
}

/** The inputs of a call as the log stores them (binaries hashed, redacted, then cut to the policy). */
export function logInputs(inputs: Record<string, unknown>, policy: TLogPolicy, hardCapBytes: number): TLoggedPayload {
  return shape(toLoggable(inputs) as Record<string, TJson>, policy, hardCapBytes);
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
  return trace.map((t) => {
    if (!t.outputs) return t;
    const outputs: NonNullable<TTraceEntry["outputs"]> = {};
    for (const [port, s] of Object.entries(t.outputs)) {
      if (s.type === "tensor") outputs[port] = { type: "tensor", dtype: s.dtype, shape: s.shape, preview: [] };
      else if (s.type === "list") outputs[port] = { type: "list", length: s.length, preview: [] };
      else if (s.type === "skipped") outputs[port] = s;
      else outputs[port] = { type: s.type, preview: s.type === "json" ? REDACTED : null } as (typeof outputs)[string];
    }
    return { ...t, outputs };
  });
}

/**
 * Raw bytes are described, never stored. Thumbnails of images are a later step.
 * TODO(image nodes): when the image decoders land, add a small (e.g. 64 px) WebP thumbnail here for
 * image media types, so the log viewer can show what was sent without keeping the upload.
 */
export function describeBinary(bytes: Uint8Array): { sha256: string; bytes: number; mediaType?: string } {
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

/** Like toJsonValue, except that byte arrays keep their hash (toJsonValue keeps only their length). */
function toLoggable(v: unknown): TJson {
  if (v instanceof Uint8Array) return { $binary: describeBinary(v) };
  if (isTensor(v)) return toJsonValue(v);
  if (Array.isArray(v)) return v.map(toLoggable);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toLoggable(x)]));
  return toJsonValue(v);
}

function shape(fields: Record<string, TJson>, policy: TLogPolicy, hardCapBytes: number): TLoggedPayload {
  const redacted = policy.redact.length ? redact(fields, policy.redact) : fields;
  if (policy.payload === "metadata") {
    return { value: Object.fromEntries(Object.entries(redacted).map(([k, v]) => [k, { $meta: describe(v) }])), truncated: Object.keys(redacted).length > 0 };
  }
  const budget = policy.payload === "truncated" ? Math.min(hardCapBytes, policy.truncateKb * 1024) : hardCapBytes;
  return fit(redacted, budget);
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
  if ("$binary" in v && v.$binary && typeof v.$binary === "object") return { type: "binary", ...(v.$binary as Record<string, TJson>) };
  if ("dtype" in v && "shape" in v && "data" in v) return { type: "tensor", dtype: v.dtype!, shape: v.shape!, bytes };
  return { type: "object", bytes };
}
