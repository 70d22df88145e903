import { z } from "zod";
import { IMAGE_COLOURS, type TColour as TImageColour } from "../values/image.ts";
import { DTYPES, type TDtype } from "../values/tensor.ts";

/**
 * Port kinds: what flows along an edge. Checked by the compiler when graphs are built, down to tensor
 * dtype and shape. A dim is a fixed size (number), a symbolic name shared across ports ("batch"), or
 * null (unknown). A tensor kind without `shape` accepts any rank.
 */
export type TDim = number | string | null;


export type TKind =
  | { kind: "tensor"; dtype: TDtype | "any"; shape?: TDim[] | undefined }
  | { kind: "number" }
  | { kind: "integer" }
  | { kind: "string" }
  | { kind: "boolean" }
  | { kind: "json" }
  /** Size and colour when the compiler knows them (after a fixed-size resize), for tensor shapes downstream. */
  | { kind: "image"; width?: number | undefined; height?: number | undefined; colour?: TImageColour | undefined }
  | { kind: "list"; of: TKind }
  /** Accepts anything (output nodes, pass-through). */
  | { kind: "any" };

export const kinds = {
  tensor: (dtype: TDtype | "any" = "any", shape?: TDim[]): TKind => ({ kind: "tensor", dtype, ...(shape ? { shape } : {}) }),
  number: (): TKind => ({ kind: "number" }),
  integer: (): TKind => ({ kind: "integer" }),
  string: (): TKind => ({ kind: "string" }),
  boolean: (): TKind => ({ kind: "boolean" }),
  json: (): TKind => ({ kind: "json" }),
  image: (meta: { width?: number | undefined; height?: number | undefined; colour?: TImageColour | undefined } = {}): TKind => ({
    kind: "image",
    ...(meta.width !== undefined ? { width: meta.width } : {}),
    ...(meta.height !== undefined ? { height: meta.height } : {}),
    ...(meta.colour !== undefined ? { colour: meta.colour } : {}),
  }),
  list: (of: TKind): TKind => ({ kind: "list", of }),
  any: (): TKind => ({ kind: "any" }),
};

const ZDim = z.union([z.int().min(0), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.null()]);
/** Kinds as users write them in params (e.g. the type of a pipeline input). */
export const ZKind: z.ZodType<TKind> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("tensor"), dtype: z.enum([...DTYPES, "any"]), shape: z.array(ZDim).max(8).optional() }),
    z.object({ kind: z.literal("number") }),
    z.object({ kind: z.literal("integer") }),
    z.object({ kind: z.literal("string") }),
    z.object({ kind: z.literal("boolean") }),
    z.object({ kind: z.literal("json") }),
    z.object({ kind: z.literal("image"), width: z.int().min(1).optional(), height: z.int().min(1).optional(), colour: z.enum(IMAGE_COLOURS).optional() }),
    z.object({ kind: z.literal("list"), of: ZKind }),
    z.object({ kind: z.literal("any") }),
  ]),
) as z.ZodType<TKind>;

export function formatKind(k: TKind): string {
  switch (k.kind) {
    case "tensor":
      return `${k.dtype === "any" ? "tensor" : k.dtype}${k.shape ? `[${k.shape.map((d) => (d === null ? "?" : String(d))).join(",")}]` : "[*]"}`;
    case "list":
      return `list<${formatKind(k.of)}>`;
    case "image": {
      const size = k.width !== undefined || k.height !== undefined ? `${k.width ?? "?"}×${k.height ?? "?"}` : "";
      const meta = [size, k.colour ?? ""].filter(Boolean).join(" ");
      return meta ? `image[${meta}]` : "image";
    }
    default:
      return k.kind;
  }
}

export type TMismatch = { code: "KIND_MISMATCH" | "DTYPE_MISMATCH" | "SHAPE_MISMATCH"; message: string };

/**
 * Can a value of kind `from` flow into a port of kind `to`? Returns null when it can, or why not.
 * Rules: any/json accept everything (json takes any JSON-able value); integer fits number; tensors need the
 * same dtype (or "any") and, when both shapes are known, the same rank and equal fixed dims — a fixed dim
 * fits a symbolic or unknown one (float32[1,4] fits float32[batch,4]).
 */
export function checkCompatible(from: TKind, to: TKind): TMismatch | null {
  if (to.kind === "any" || from.kind === "any") return null;
  if (to.kind === "json") return from.kind === "image" ? mismatch("KIND_MISMATCH", from, to) : null;
  if (to.kind === "number" && (from.kind === "number" || from.kind === "integer")) return null;
  if (from.kind !== to.kind) return mismatch("KIND_MISMATCH", from, to);
  if (from.kind === "list" && to.kind === "list") {
    const inner = checkCompatible(from.of, to.of);
    return inner ? { code: inner.code, message: `list items: ${inner.message}` } : null;
  }
  if (from.kind === "image" && to.kind === "image") {
    for (const key of ["width", "height", "colour"] as const) {
      if (from[key] !== undefined && to[key] !== undefined && from[key] !== to[key]) return { code: "SHAPE_MISMATCH", message: `${formatKind(from)} does not fit ${formatKind(to)}` };
    }
    return null;
  }
  if (from.kind === "tensor" && to.kind === "tensor") {
    if (to.dtype !== "any" && from.dtype !== "any" && from.dtype !== to.dtype) return mismatch("DTYPE_MISMATCH", from, to);
    if (from.shape && to.shape) {
      if (from.shape.length !== to.shape.length) return { code: "SHAPE_MISMATCH", message: `rank ${from.shape.length} does not fit rank ${to.shape.length} (${formatKind(from)} → ${formatKind(to)})` };
      for (let i = 0; i < from.shape.length; i++) {
        const a = from.shape[i];
        const b = to.shape[i];
        if (typeof a === "number" && typeof b === "number" && a !== b) {
          return { code: "SHAPE_MISMATCH", message: `dim ${i} is ${a}, expected ${b} (${formatKind(from)} → ${formatKind(to)})` };
        }
      }
    }
  }
  return null;
}

function mismatch(code: TMismatch["code"], from: TKind, to: TKind): TMismatch {
  return { code, message: `${formatKind(from)} does not fit ${formatKind(to)}` };
}

/** The more specific of two compatible kinds (used to propagate what is known downstream). */
export function refineKind(declared: TKind, actual: TKind | undefined): TKind {
  if (!actual) return declared;
  if (declared.kind === "any") return actual;
  if (declared.kind === "image" && actual.kind === "image") {
    return kinds.image({ width: declared.width ?? actual.width, height: declared.height ?? actual.height, colour: declared.colour ?? actual.colour });
  }
  if (declared.kind === "tensor" && actual.kind === "tensor") {
    return { kind: "tensor", dtype: declared.dtype === "any" ? actual.dtype : declared.dtype, shape: declared.shape ?? actual.shape };
  }
  return declared;
}
