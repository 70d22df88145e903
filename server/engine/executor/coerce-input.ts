import { formatKind, type TKind } from "../types/kinds.ts";
import { sniffFormat } from "../runtime/image-header.ts";
import { payloadBytes } from "../values/bytes.ts";
import { isImage } from "../values/image.ts";
import { allocate, DTYPES, FLOAT_DTYPES, fromNumbers, INT_DTYPES, isTensor, makeTensor, sizeOf, type TAnyTensor, type TDtype } from "../values/tensor.ts";

const INT_RANGE: Partial<Record<TDtype, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

/**
 * JSON has no NaN or ±Infinity: they travel as these strings (what JavaScript, Python's json and Go print),
 * in float tensors, float inputs and outputs alike. In float tensors `null` is NaN too (pandas' to_json).
 */
export const NON_FINITE: Readonly<Record<string, number>> = Object.freeze(Object.assign(Object.create(null) as Record<string, number>, { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity }));

function isNumberLike(v: unknown): boolean {
  return typeof v === "number" || v === null || (typeof v === "string" && v in NON_FINITE);
}

/**
 * Converts a pipeline input as it arrives in JSON to the value its kind needs, or throws an Error whose
 * message says what was expected and what came. Tensors come as nested arrays or {dtype?, shape, data}.
 */
export function coerceInput(raw: unknown, kind: TKind): unknown {
  switch (kind.kind) {
    case "any":
    case "json":
      return raw;
    case "number": {
      const n = typeof raw === "string" ? NON_FINITE[raw] : raw;
      if (typeof n !== "number") throw new Error(`expected a number (or "NaN", "Infinity", "-Infinity"), got ${describe(raw)}`);
      return n;
    }
    case "integer":
      if (typeof raw !== "number" || !Number.isInteger(raw)) throw new Error(`expected an integer, got ${describe(raw)}`);
      return raw;
    case "string":
      if (typeof raw !== "string") throw new Error(`expected a string, got ${describe(raw)}`);
      return raw;
    case "boolean":
      if (typeof raw !== "boolean") throw new Error(`expected true or false, got ${describe(raw)}`);
      return raw;
    case "image":
      return toImageBytes(raw);
    case "list":
      if (!Array.isArray(raw)) throw new Error(`expected a list, got ${describe(raw)}`);
      return raw.map((item, i) => {
        try {
          return coerceInput(item, kind.of);
        } catch (e) {
          throw new Error(`item ${i}: ${(e as Error).message}`);
        }
      });
    case "tensor":
      return toTensor(raw, kind);
  }
}

/**
 * An image input as the encoded file's bytes (decoded lazily by the image nodes), from a data URL, plain
 * base64 or raw bytes (REST multipart file parts). Only the magic number is checked here: an unsupported
 * format is the caller's mistake and fails before anything runs; a corrupt file fails in the node that
 * decodes it, with a coded reason.
 */
function toImageBytes(raw: unknown): unknown {
  if (isImage(raw)) return raw; // built in-process (tests, sub-pipelines)
  const bytes = payloadBytes(raw, "an image");
  if (bytes.length === 0) throw new Error("the image is empty (0 bytes)");
  if (!sniffFormat(bytes)) throw new Error("unsupported image format: expected PNG, JPEG or WebP");
  return bytes;
}

function toTensor(raw: unknown, kind: Extract<TKind, { kind: "tensor" }>): TAnyTensor {
  // A tensor built in-process is already typed: check it, never re-encode it (that would read float16's
  // raw bits as numbers, refuse int64's bigints and any NaN).
  if (isTensor(raw) && isWellFormed(raw)) {
    checkKind(raw.dtype, raw.shape, kind);
    return raw;
  }
  let dtype: TDtype | undefined;
  let shape: number[];
  let flat: unknown[];
  if (isTensor(raw)) {
    dtype = raw.dtype;
    shape = [...raw.shape];
    flat = Array.from(raw.data as ArrayLike<unknown>);
  } else if (raw !== null && typeof raw === "object" && !Array.isArray(raw) && "data" in raw) {
    const o = raw as { dtype?: unknown; shape?: unknown; data: unknown };
    if (o.dtype !== undefined) {
      if (typeof o.dtype !== "string" || !(DTYPES as readonly string[]).includes(o.dtype)) throw new Error(`unknown dtype ${JSON.stringify(o.dtype)}`);
      dtype = o.dtype as TDtype;
    }
    if (!Array.isArray(o.data)) throw new Error("tensor 'data' must be an array");
    flat = (o.data as unknown[]).flat(Infinity);
    if (o.shape === undefined) shape = shapeOf(o.data);
    else {
      if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error("tensor 'shape' must be a list of non-negative integers");
      shape = o.shape as number[];
      if (sizeOf(shape) !== flat.length) throw new Error(`shape [${shape.join(", ")}] needs ${sizeOf(shape)} values, got ${flat.length}`);
    }
  } else if (Array.isArray(raw)) {
    shape = shapeOf(raw);
    flat = raw.flat(Infinity);
  } else if (typeof raw === "number" || typeof raw === "boolean" || typeof raw === "string") {
    shape = [];
    flat = [raw];
  } else {
    throw new Error(`expected a tensor (nested arrays or {dtype, shape, data}), got ${describe(raw)}`);
  }

  dtype ??= kind.dtype !== "any" ? kind.dtype : typeof flat[0] === "boolean" ? "bool" : typeof flat[0] === "string" && !flat.every(isNumberLike) ? "string" : "float32";
  checkKind(dtype, shape, kind);

  if (dtype === "string") {
    if (!flat.every((v) => typeof v === "string")) throw new Error("a string tensor holds strings only");
    return makeTensor("string", shape, flat as string[]);
  }
  const isFloat = FLOAT_DTYPES.includes(dtype);
  const nums = new Array<number>(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    const n = typeof v === "boolean" && dtype === "bool" ? (v ? 1 : 0) : isFloat && (typeof v === "string" || v === null) ? (v === null ? NaN : NON_FINITE[v]) : v;
    if (typeof n !== "number" || (Number.isNaN(n) && !isFloat)) {
      const hint = isFloat ? ` (or "NaN", "Infinity", "-Infinity")` : typeof v === "string" && v in NON_FINITE ? ` (${dtype} has no ${v})` : "";
      throw new Error(`element ${i} is ${describe(v)}, expected a number for dtype ${dtype}${hint}`);
    }
    if (INT_DTYPES.includes(dtype)) {
      if (!Number.isInteger(n)) throw new Error(`element ${i} is ${n}, not an integer (dtype ${dtype})`);
      const [lo, hi] = INT_RANGE[dtype]!;
      if (n < lo || n > hi) throw new Error(`element ${i} is ${n}, outside ${dtype}'s range ${lo}…${hi}`);
    }
    nums[i] = n;
  }
  return fromNumbers(dtype, shape, nums) as TAnyTensor;
}

function checkKind(dtype: TDtype, shape: readonly number[], kind: Extract<TKind, { kind: "tensor" }>): void {
  if (kind.dtype !== "any" && dtype !== kind.dtype) throw new Error(`expected dtype ${kind.dtype}, got ${dtype}`);
  if (kind.shape) {
    if (kind.shape.length !== shape.length) throw new Error(`expected ${formatKind(kind)} (rank ${kind.shape.length}), got shape [${shape.join(", ")}]`);
    kind.shape.forEach((d, i) => {
      if (typeof d === "number" && d !== shape[i]) throw new Error(`expected ${formatKind(kind)}, got shape [${shape.join(", ")}] (dim ${i} is ${shape[i]}, expected ${d})`);
    });
  }
}

/** A known dtype whose data is that dtype's buffer (a string array for strings) and fits the shape. */
function isWellFormed(t: TAnyTensor): boolean {
  if (!(DTYPES as readonly string[]).includes(t.dtype) || !Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) return false;
  if (t.data?.length !== sizeOf(t.shape)) return false;
  if (t.dtype === "string") return Array.isArray(t.data) && t.data.every((v) => typeof v === "string");
  return t.data instanceof (allocate(t.dtype, 0).constructor as new () => unknown);
}

/** Shape of a rectangular nested array; throws on ragged input. */
function shapeOf(a: unknown): number[] {
  const shape: number[] = [];
  let level: unknown = a;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (x: unknown, depth: number, path: string) => {
    if (depth === shape.length) {
      if (Array.isArray(x)) throw new Error(`ragged tensor: ${path || "value"} nests deeper than the first element`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) throw new Error(`ragged tensor: ${path || "value"} should have ${shape[depth]} items`);
    x.forEach((y, i) => check(y, depth + 1, `${path}[${i}]`));
  };
  check(a, 0, "");
  return shape;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}
