import { AppError } from "../../errors.ts";
import { makeTensor, sizeOf, TYPED_ARRAYS, type TAnyTensor, type TDtype } from "../../engine/values/tensor.ts";

/**
 * The Open Inference Protocol's binary tensor data extension (Triton's `binary_tensor_data`): after the
 * JSON header (its length in `Inference-Header-Content-Length`) come the tensors' raw bytes, in the order
 * of the JSON's tensors that carry `parameters.binary_data_size` — little-endian, row-major, no padding;
 * BOOL one byte per element; BYTES each element as a 4-byte little-endian length and its bytes.
 * Non-finite floats and FP16 travel exactly, and large tensors skip JSON altogether.
 */
export const INFERENCE_HEADER = "inference-header-content-length";

/** The JSON header and the binary section of a request body; without the header the whole body is JSON. */
export function splitBody(body: Buffer, headerValue: string | string[] | undefined): { json: Buffer; binary: Buffer } {
  if (headerValue === undefined) return { json: body, binary: Buffer.alloc(0) };
  const text = Array.isArray(headerValue) ? headerValue[0] : headerValue;
  const n = /^\s*\d{1,12}\s*$/.test(text ?? "") ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n > body.length) {
    throw new AppError("INVALID_INPUT", `Inference-Header-Content-Length must be the JSON header's length in bytes, at most the body's ${body.length}; got ${JSON.stringify(text)}.`, { field: "Inference-Header-Content-Length" });
  }
  return { json: body.subarray(0, n), binary: body.subarray(n) };
}

/** Hands out the binary section tensor by tensor, in order, and checks at the end that all of it was used. */
export class BinaryReader {
  #offset = 0;
  constructor(private readonly binary: Buffer) {}

  take(size: unknown, field: string): Buffer {
    if (!Number.isSafeInteger(size) || (size as number) < 0) throw new AppError("INVALID_INPUT", `${field}: parameters.binary_data_size must be a non-negative integer.`, { field });
    const end = this.#offset + (size as number);
    if (end > this.binary.length) {
      throw new AppError("INVALID_INPUT", `${field}: binary_data_size ${size as number} runs past the end of the body (${this.binary.length - this.#offset} bytes of binary data left).`, { field });
    }
    const out = this.binary.subarray(this.#offset, end);
    this.#offset = end;
    return out;
  }

  finish(): void {
    if (this.#offset !== this.binary.length) {
      throw new AppError("INVALID_INPUT", `The body has ${this.binary.length - this.#offset} bytes of binary data after the last tensor's binary_data_size: the sizes do not add up.`, { field: "Inference-Header-Content-Length" });
    }
  }
}

/** A tensor of `dtype` and `shape` from its raw little-endian bytes (copied: the body's buffer may be unaligned). */
export function tensorFromBytes(dtype: TDtype, shape: number[], bytes: Buffer, field: string): TAnyTensor {
  const count = sizeOf(shape);
  if (dtype === "string") {
    const elements = splitBytesElements(bytes, field);
    if (elements.length !== count) throw new AppError("INVALID_INPUT", `${field}: shape [${shape.join(", ")}] needs ${count} BYTES elements, the binary data holds ${elements.length}.`, { field });
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const strings = elements.map((e, i) => {
      try {
        return decoder.decode(e);
      } catch {
        throw new AppError("INVALID_INPUT", `${field}: BYTES element ${i} is not UTF-8 text.`, { field });
      }
    });
    return makeTensor("string", shape, strings);
  }
  const Typed = TYPED_ARRAYS[dtype];
  const width = Typed.BYTES_PER_ELEMENT;
  if (bytes.length !== count * width) {
    throw new AppError("INVALID_INPUT", `${field}: shape [${shape.join(", ")}] of ${dtype} needs ${count * width} bytes, binary_data_size is ${bytes.length}.`, { field, expected: count * width, actual: bytes.length });
  }
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  const data = new Typed(copy, 0, count);
  if (dtype === "bool" && (data as Uint8Array).some((b) => b > 1)) throw new AppError("INVALID_INPUT", `${field}: BOOL elements must be bytes 0 or 1.`, { field });
  return makeTensor(dtype, shape, data as never) as TAnyTensor;
}

/** BYTES elements: each a uint32 little-endian length, then that many bytes. */
export function splitBytesElements(bytes: Buffer, field: string): Buffer[] {
  const out: Buffer[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (o + 4 > bytes.length) throw new AppError("INVALID_INPUT", `${field}: a BYTES element's 4-byte length is cut off at byte ${o}.`, { field });
    const n = bytes.readUInt32LE(o);
    if (o + 4 + n > bytes.length) throw new AppError("INVALID_INPUT", `${field}: a BYTES element of ${n} bytes runs past binary_data_size.`, { field });
    out.push(bytes.subarray(o + 4, o + 4 + n));
    o += 4 + n;
  }
  return out;
}

/** BYTES elements as the binary section carries them. */
export function joinBytesElements(elements: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of elements) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(e.length);
    parts.push(len, Buffer.from(e.buffer, e.byteOffset, e.byteLength));
  }
  return Buffer.concat(parts);
}

/** A tensor's raw bytes for the binary section (strings as BYTES elements). */
export function tensorBytes(t: TAnyTensor): Buffer {
  if (t.dtype === "string") return joinBytesElements((t.data as string[]).map((s) => Buffer.from(s, "utf8")));
  const d = t.data as unknown as ArrayBufferView;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}
