/**
 * Tensors as the engine passes them between nodes: dtype, shape and a flat row-major buffer of the typed
 * array ONNX Runtime uses for that dtype. Framework-free (no onnxruntime import): the runtime converts.
 */
export const DTYPES = ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool", "string"] as const;
export type TDtype = (typeof DTYPES)[number];

export interface TDataTypeMap {
  float32: Float32Array;
  float64: Float64Array;
  /** IEEE half floats, stored as raw bits (as ONNX Runtime's JS API does). */
  float16: Uint16Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  /** 0 or 1 per element. */
  bool: Uint8Array;
  string: string[];
}

export interface TTensor<D extends TDtype = TDtype> {
  readonly kind: "tensor";
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: TDataTypeMap[D];
}

export type TAnyTensor = { [D in TDtype]: TTensor<D> }[TDtype];

/** The typed array behind each numeric dtype. */
export const TYPED_ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
} as const;

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function isTensor(v: unknown): v is TAnyTensor {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "tensor";
}

export function makeTensor<D extends TDtype>(dtype: D, shape: readonly number[], data: TDataTypeMap[D]): TTensor<D> {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`invalid shape [${shape.join(", ")}]`);
  if (data.length !== sizeOf(shape)) throw new RangeError(`shape [${shape.join(", ")}] needs ${sizeOf(shape)} elements, got ${data.length}`);
  return { kind: "tensor", dtype, shape: [...shape], data };
}

/** A zero-filled buffer for a dtype. */
export function allocate<D extends TDtype>(dtype: D, length: number): TDataTypeMap[D] {
  if (dtype === "string") return new Array<string>(length).fill("") as TDataTypeMap[D];
  return new TYPED_ARRAYS[dtype as Exclude<TDtype, "string">](length) as TDataTypeMap[D];
}

export const FLOAT_DTYPES: readonly TDtype[] = ["float32", "float64", "float16"];
export const INT_DTYPES: readonly TDtype[] = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"];
export const NUMERIC_DTYPES: readonly TDtype[] = [...FLOAT_DTYPES, ...INT_DTYPES, "bool"];

/** Element i as a JS number (bigints and half floats converted; strings are not numeric). */
export function readNumber(t: TAnyTensor, i: number): number {
  if (t.dtype === "string") throw new TypeError("string tensors have no numeric value");
  if (t.dtype === "float16") return halfToFloat((t.data as Uint16Array)[i]!);
  const v = (t.data as ArrayLike<number | bigint>)[i]!;
  return typeof v === "bigint" ? Number(v) : v;
}

/** All elements as JS numbers. */
export function toNumbers(t: TAnyTensor): number[] {
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = readNumber(t, i);
  return out;
}

/** Builds a numeric tensor of `dtype` from JS numbers (rounding and wrapping as a C cast would). */
export function fromNumbers<D extends Exclude<TDtype, "string">>(dtype: D, shape: readonly number[], values: ArrayLike<number>): TTensor<D> {
  const data = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) writeNumber(dtype, data, i, values[i]!);
  return makeTensor(dtype, shape, data);
}

export function writeNumber(dtype: TDtype, data: TDataTypeMap[TDtype], i: number, v: number): void {
  switch (dtype) {
    case "string":
      throw new TypeError("cannot write a number into a string tensor");
    case "int64":
      (data as BigInt64Array)[i] = BigInt(Number.isFinite(v) ? Math.trunc(v) : 0);
      return;
    case "uint64":
      (data as BigUint64Array)[i] = BigInt.asUintN(64, BigInt(Number.isFinite(v) ? Math.trunc(v) : 0));
      return;
    case "float16":
      (data as Uint16Array)[i] = floatToHalf(v);
      return;
    case "bool":
      (data as Uint8Array)[i] = v !== 0 && !Number.isNaN(v) ? 1 : 0;
      return;
    default:
      (data as Float32Array)[i] = FLOAT_DTYPES.includes(dtype) ? v : Math.trunc(v);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 → number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** number → IEEE 754 binary16 bits (round to nearest even). */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >> 16) & 0x8000;
  const exp = (x >> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  e = half >> 10;
  return sign | half;
}
