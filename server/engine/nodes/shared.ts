import { z } from "zod";
import type { TAssetInfo, TCompileEnv, TExecContext, TNodeIssue, TPortSpec } from "../define-node.ts";
import { CodedNodeError, NodeInputError } from "../errors.ts";
import { isImage, type TImage, type TPixels } from "../values/image.ts";
import { formatKind, kinds, type TDim, type TKind } from "../types/kinds.ts";
import { allocate, FLOAT_DTYPES, isTensor, makeTensor, NUMERIC_DTYPES, sizeOf, type TAnyTensor, type TDataTypeMap, type TDtype } from "../values/tensor.ts";

/** The tensor on `port`, or a NodeInputError naming the port and what came instead. */
export function tensorInput(inputs: Record<string, unknown>, port: string, opts: { dtypes?: readonly TDtype[]; minRank?: number } = {}): TAnyTensor {
  const v = inputs[port];
  if (!isTensor(v)) throw new NodeInputError(`expected a tensor, got ${v === null ? "null" : Array.isArray(v) ? "a list" : typeof v}`, port);
  if (opts.dtypes && !opts.dtypes.includes(v.dtype)) throw new NodeInputError(`expected dtype ${opts.dtypes.join(" or ")}, got ${v.dtype}`, port);
  if (opts.minRank !== undefined && v.shape.length < opts.minRank) throw new NodeInputError(`expected rank ≥ ${opts.minRank}, got shape [${v.shape.join(", ")}]`, port);
  return v;
}

export const FLOATS = FLOAT_DTYPES;
export const NUMERIC = NUMERIC_DTYPES;

/** Normalises a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number, port = "x"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new NodeInputError(`axis ${axis} is out of range for rank ${rank}`, port);
  return a;
}

// ── Params ────────────────────────────────────────────────────────────────────────────────────────

/** `count` for nodes with a variable number of inputs (concat, stack, merge, ensemble). */
export function zCount(min: number, max: number, what: string) {
  return z.int().min(min).max(max).default(min).meta({ description: `Number of ${what} (${min}–${max})` });
}

/** Port names `x0 … x{count-1}`. */
export function portNames(count: number, prefix = "x"): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** Input ports `x0 … x{count-1}`, all of one kind. */
export function numberedInputs(count: number, kind: TKind): Record<string, TPortSpec> {
  return Object.fromEntries(portNames(count).map((name) => [name, { kind }]));
}

// ── Compile-time checks (for `infer`) ─────────────────────────────────────────────────────────────

export type TTensorKind = Extract<TKind, { kind: "tensor" }>;

/** The connected kind when it is a tensor kind; undefined when unconnected, unknown or not a tensor. */
export function tensorKindOf(k: TKind | undefined): TTensorKind | undefined {
  return k?.kind === "tensor" ? k : undefined;
}

/** A DTYPE_MISMATCH issue when the connected tensor's dtype is known and not one of `allowed`. */
export function dtypeIssue(port: string, k: TTensorKind | undefined, allowed: readonly TDtype[], what: string): TNodeIssue[] {
  if (!k || k.dtype === "any" || allowed.includes(k.dtype)) return [];
  return [{ code: "DTYPE_MISMATCH", port, message: `expects ${what} tensor, got ${formatKind(k)}`, expected: allowed.join(" | "), actual: k.dtype }];
}

export function shapeIssue(port: string, message: string, expected?: string, actual?: string): TNodeIssue {
  return { code: "SHAPE_MISMATCH", port, message, ...(expected !== undefined ? { expected } : {}), ...(actual !== undefined ? { actual } : {}) };
}

/**
 * A SHAPE_MISMATCH issue when a per-feature parameter list (mean, min, fill values…) does not match the
 * input's last dim. A list of one value applies to every feature, so it always fits.
 */
export function featureCountIssue(port: string, k: TTensorKind | undefined, count: number, what: string): TNodeIssue[] {
  const last = k?.shape?.[k.shape.length - 1];
  if (count === 1 || typeof last !== "number" || last === count) return [];
  return [shapeIssue(port, `has ${count} ${what} but the input's last dim is ${last}`, String(count), String(last))];
}

/** Run-time counterpart of featureCountIssue: the feature count (last dim), or a NodeInputError. */
export function featureCount(x: TAnyTensor, count: number, what: string, port = "x"): number {
  const last = x.shape[x.shape.length - 1];
  if (last === undefined) throw new NodeInputError(`expected a tensor of rank ≥ 1, got a scalar`, port);
  if (count !== 1 && last !== count) throw new NodeInputError(`last dim is ${last}, but there are ${count} ${what}`, port);
  return last;
}

/** An axis normalised against a known rank, or undefined when it is out of range. */
export function axisInRange(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

export function axisIssue(port: string, axis: number, rank: number): TNodeIssue {
  return shapeIssue(port, `axis ${axis} is out of range for rank ${rank}`, `-${rank} … ${rank - 1}`, String(axis));
}

/**
 * Two dims that must be equal at run time, combined: a fixed size wins over a symbolic or unknown one;
 * two different symbols may still be equal at run time, so they combine to unknown. `conflict` when two
 * fixed sizes differ.
 */
export function mergeDim(a: TDim, b: TDim): { dim: TDim; conflict: boolean } {
  if (typeof a === "number" && typeof b === "number") return { dim: a, conflict: a !== b };
  if (typeof a === "number") return { dim: a, conflict: false };
  if (typeof b === "number") return { dim: b, conflict: false };
  return { dim: a !== null && a === b ? a : null, conflict: false };
}

/**
 * Checks that the tensors connected to several ports agree on dtype and on every dim except `skipAxis`
 * (concat's axis), reporting each disagreeing port once. Returns the common dtype and the merged shape
 * (undefined when no connected input declares its rank).
 */
export function unifyTensors(
  ports: readonly string[],
  inputs: Record<string, TKind | undefined>,
  opts: { skipAxis?: (rank: number) => number | undefined } = {},
): { dtype: TDtype | "any"; shape: TDim[] | undefined; issues: TNodeIssue[] } {
  const issues: TNodeIssue[] = [];
  let dtype: TDtype | "any" = "any";
  let dtypeFrom = "";
  let shape: TDim[] | undefined;
  let shapeFrom = "";
  for (const port of ports) {
    const k = tensorKindOf(inputs[port]);
    if (!k) continue;
    if (k.dtype !== "any") {
      if (dtype === "any") [dtype, dtypeFrom] = [k.dtype, port];
      else if (k.dtype !== dtype) {
        issues.push({ code: "DTYPE_MISMATCH", port, message: `is ${k.dtype} but '${dtypeFrom}' is ${dtype}; all inputs need one dtype`, expected: dtype, actual: k.dtype });
        continue;
      }
    }
    if (!k.shape) continue;
    if (!shape) {
      [shape, shapeFrom] = [[...k.shape], port];
      continue;
    }
    if (k.shape.length !== shape.length) {
      issues.push(shapeIssue(port, `has rank ${k.shape.length} but '${shapeFrom}' has rank ${shape.length}`, String(shape.length), String(k.shape.length)));
      continue;
    }
    const skip = opts.skipAxis?.(shape.length);
    const merged = [...shape];
    let bad: string | undefined;
    for (let i = 0; i < shape.length && !bad; i++) {
      if (i === skip) continue;
      const m = mergeDim(shape[i]!, k.shape[i]!);
      if (m.conflict) bad = `dim ${i} is ${k.shape[i]} but '${shapeFrom}' has ${shape[i]}`;
      merged[i] = m.dim;
    }
    if (bad) issues.push(shapeIssue(port, bad, formatKind(kinds.tensor(dtype, shape)), formatKind(k)));
    else shape = merged;
  }
  return { dtype, shape, issues };
}

// ── Run-time index math ───────────────────────────────────────────────────────────────────────────

/** Row-major strides: element (i0, i1, …) sits at Σ ik·strides[k]. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= shape[k]!;
  }
  return s;
}

type TElements = { [i: number]: unknown; length: number };

/** x's elements under a new shape of the same size. Shares the buffer: node outputs are never mutated. */
export function withShape(x: TAnyTensor, shape: readonly number[]): TAnyTensor {
  return makeTensor(x.dtype as TDtype, shape, x.data as TDataTypeMap[TDtype]) as TAnyTensor;
}

/**
 * A tensor of `dtype` and `shape` filled element by element: `out[i] = …` stores raw elements (bigints for
 * 64-bit integers, half-float bits for float16); `writeNumber(dtype, data, i, v)` converts a JS number.
 */
export function buildTensor(dtype: TDtype, shape: readonly number[], fill: (out: TElements, data: TDataTypeMap[TDtype]) => void): TAnyTensor {
  const data = allocate(dtype, sizeOf(shape));
  fill(data as unknown as TElements, data);
  return makeTensor(dtype, shape, data) as TAnyTensor;
}

/** A float32 tensor of x's shape whose element i is f(i) (the scalers, sigmoid). */
export function mapToFloat32(x: TAnyTensor, f: (i: number) => number): TAnyTensor {
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(i);
  return makeTensor("float32", x.shape, out);
}

/**
 * A strided view of x, copied: the output element at coords c is x's flat element offset + Σ c[k]·steps[k].
 * Transpose (steps = permuted strides) and slice (offset = starts, steps = strides × step) are both this.
 */
export function stridedCopy(x: TAnyTensor, shape: readonly number[], offset: number, steps: readonly number[]): TAnyTensor {
  const src = x.data as unknown as TElements;
  return buildTensor(x.dtype, shape, (out) => {
    const n = out.length;
    const coords = new Array<number>(shape.length).fill(0);
    let at = offset;
    for (let i = 0; i < n; i++) {
      out[i] = src[at];
      for (let k = shape.length - 1; k >= 0; k--) {
        coords[k]!++;
        at += steps[k]!;
        if (coords[k]! < shape[k]!) break;
        at -= steps[k]! * shape[k]!;
        coords[k] = 0;
      }
    }
  });
}

/**
 * Concatenation in row-major blocks: for each of `outer` blocks, each part contributes `chunk` consecutive
 * elements. Concat along an axis and stack on a new axis are both this.
 */
export function interleave(dtype: TDtype, shape: readonly number[], parts: readonly { data: unknown; chunk: number }[], outer: number): TAnyTensor {
  return buildTensor(dtype, shape, (out) => {
    let at = 0;
    for (let o = 0; o < outer; o++) {
      for (const p of parts) {
        const src = p.data as TElements;
        for (let j = o * p.chunk, end = j + p.chunk; j < end; j++) out[at++] = src[j];
      }
    }
  });
}

/** Index of the largest of `len` values (the first on ties); NaN never wins, all NaN gives 0. */
export function indexOfMax(len: number, at: (k: number) => number): number {
  let best = 0;
  let max = NaN;
  for (let k = 0; k < len; k++) {
    const v = at(k);
    if (v > max || (Number.isNaN(max) && !Number.isNaN(v))) [best, max] = [k, v];
  }
  return best;
}

/** The tensors on ports x0…x{count-1}: one dtype, one rank; each port is named in errors. */
export function numberedTensors(inputs: Record<string, unknown>, count: number, opts: { dtypes?: readonly TDtype[] } = {}): TAnyTensor[] {
  const xs = portNames(count).map((p) => tensorInput(inputs, p, opts));
  const first = xs[0]!;
  xs.forEach((x, i) => {
    if (x.dtype !== first.dtype) throw new NodeInputError(`is ${x.dtype} but x0 is ${first.dtype}; all inputs need one dtype`, `x${i}`);
    if (x.shape.length !== first.shape.length) throw new NodeInputError(`has shape [${x.shape.join(", ")}], rank ${x.shape.length}, but x0 has rank ${first.shape.length}`, `x${i}`);
  });
  return xs;
}

// ── Images ────────────────────────────────────────────────────────────────────────────────────────

/**
 * The image on `port`: an image value as is, or an encoded file (bytes from a pipeline input) opened with
 * the codec (header only, lazily decoded) under `maxPixels`. Codec errors name the port.
 */
export function imageInput(inputs: Record<string, unknown>, port: string, ctx: TExecContext, opts: { maxPixels?: number } = {}): TImage {
  const v = inputs[port];
  if (isImage(v)) return v;
  if (v instanceof Uint8Array) return withPort(port, () => ctx.codecs.image.open(v, opts));
  throw new NodeInputError(`expected an image, got ${v === null ? "null" : Array.isArray(v) ? "a list" : typeof v}`, port);
}

/** The image's pixels; codec errors (corrupt data found while decoding) name the port. */
export async function imagePixels(image: TImage, port: string, ctx: TExecContext): Promise<TPixels> {
  return withPortAsync(port, () => ctx.codecs.image.pixels(image));
}

/** Runs f; a coded error without a port gets `port`. */
export function withPort<T>(port: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw portError(e, port);
  }
}

export async function withPortAsync<T>(port: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw portError(e, port);
  }
}

function portError(e: unknown, port: string): unknown {
  if (e instanceof CodedNodeError && e.port === undefined) return new CodedNodeError(e.code, e.message, port);
  if (e instanceof RangeError) return new NodeInputError(e.message, port);
  return e;
}

/** The image kind connected to a port, if it is one. */
export function imageKindOf(k: TKind | undefined): Extract<TKind, { kind: "image" }> | undefined {
  return k?.kind === "image" ? k : undefined;
}

/** An RGB(A) colour param: 0–255 per channel. */
export const zColour = z
  .array(z.int().min(0).max(255))
  .min(1)
  .max(4)
  .meta({ description: "Colour as [r, g, b] (0–255); one value for gray" });

/** An image (alone or in a list, at any depth) as a PNG data URL: what outputs of kind image return. */
export function imagesAsDataUrls(v: unknown, ctx: TExecContext): unknown | Promise<unknown> {
  if (isImage(v)) return ctx.codecs.image.encode(v, "png").then((b) => `data:image/png;base64,${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64")}`);
  if (Array.isArray(v) && v.some(hasImage)) return Promise.all(v.map((x) => imagesAsDataUrls(x, ctx)));
  return v;
}

function hasImage(v: unknown): boolean {
  return isImage(v) || (Array.isArray(v) && v.some(hasImage));
}

// ── Assets ────────────────────────────────────────────────────────────────────────────────────────

/** A reference to a pipeline asset in node params: its name (for people) and content hash (the identity). */
export const zAssetRef = z
  .object({
    name: z.string().min(1).max(200),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "a lowercase hex SHA-256"),
  })
  .meta({ description: "A file uploaded to the pipeline's assets" });
export type TAssetRef = z.infer<typeof zAssetRef>;

/** The referenced asset from the compile env, or a MISSING_ASSET issue. */
export function lookupAsset(env: TCompileEnv, ref: TAssetRef): { asset: TAssetInfo } | { issue: TNodeIssue } {
  const asset = env.assets?.get(ref.sha256);
  if (!asset) return { issue: { code: "MISSING_ASSET", message: `Asset '${ref.name}' (sha256 ${ref.sha256.slice(0, 12)}…) is not among the pipeline's assets.` } };
  return { asset };
}

/** An asset as text: UTF-8, BOM dropped, lines split on \n or \r\n (a final empty line dropped). */
export function assetLines(asset: TAssetInfo): string[] {
  const text = new TextDecoder("utf-8").decode(asset.bytes).replace(/^\uFEFF/, "");
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * Values parsed from an asset, cached by content hash: a 2 MB tokenizer.json is parsed once per process,
 * not on every compile. Small and LRU: assets are few and reused.
 */
export function cachedByHash<T>(cache: Map<string, T>, sha256: string, build: () => T, max = 16): T {
  let v = cache.get(sha256);
  if (v === undefined) {
    v = build();
    cache.set(sha256, v);
    while (cache.size > max) cache.delete(cache.keys().next().value!);
  } else {
    cache.delete(sha256);
    cache.set(sha256, v);
  }
  return v;
}
