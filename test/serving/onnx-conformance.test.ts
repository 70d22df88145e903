import ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { halfToFloat, type TDtype } from "@/server/engine/values/tensor.ts";
import type { TServingHarness } from "../helpers/serving-server.ts";
import { startModelServing, type TModelServing } from "../helpers/model-serving.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { buildModel, ONNX_TYPE, type TAttributeSpec, type TTensorSpec } from "../helpers/onnx-builder.ts";

/**
 * ONNX operator cases in the manner of ONNX's backend node tests (`test_abs`, `test_div`, …), NaN and
 * ±Infinity included: each is a one-node model, run once by a plain in-process ONNX Runtime session (the
 * reference) and then through a published pipeline over REST (JSON), OIP (JSON) and OIP with the binary
 * tensor extension. Every output must come back bit for bit: same dtype, shape and elements, NaN as NaN,
 * -0 as -0 over binary. (ONNX's own .pb fixtures cannot be fetched here; the cases are built by
 * test/helpers/onnx-builder.ts with the same operators, attributes and special values.)
 */

type TElem = "float32" | "float64" | "float16" | "int32" | "int64" | "uint8" | "bool";
interface TArg {
  name: string;
  dtype: TElem;
  shape: number[];
  data: number[];
}
interface TCase {
  name: string;
  op: string;
  inputs: TArg[];
  outputs: { name: string; dtype: TElem }[];
  attributes?: TAttributeSpec[];
  initializers?: TTensorSpec[];
  /** Extra model inputs fed from initializers (ONNX inputs that are constants here). */
  constInputs?: string[];
  opset?: number;
}

const ELEM: Record<TElem, number> = { float32: ONNX_TYPE.FLOAT, float64: ONNX_TYPE.DOUBLE, float16: ONNX_TYPE.FLOAT16, int32: ONNX_TYPE.INT32, int64: ONNX_TYPE.INT64, uint8: ONNX_TYPE.UINT8, bool: ONNX_TYPE.BOOL };
const OIP: Record<TElem, string> = { float32: "FP32", float64: "FP64", float16: "FP16", int32: "INT32", int64: "INT64", uint8: "UINT8", bool: "BOOL" };

/** Special values first: every unary case sees -Inf, -0, +Inf and NaN. */
const SPECIAL = [-Infinity, -2.5, -1, -0, 0, 0.5, 1, 3, Infinity, NaN];
const x = (data = SPECIAL, dtype: TElem = "float32", shape = [data.length]): TArg => ({ name: "x", dtype, shape, data });
const unary = (name: string, op: string, out: TElem = "float32", attributes?: TAttributeSpec[]): TCase => ({ name, op, inputs: [x()], outputs: [{ name: "y", dtype: out }], ...(attributes ? { attributes } : {}) });
const A = [1, -2, 0, Infinity, -Infinity, NaN, 3.5, -0, 7, 0];
const B = [2, 0, 0, Infinity, 1, 1, NaN, 5, -Infinity, -0];
const binary = (name: string, op: string, out: TElem = "float32", attributes?: TAttributeSpec[], dtype: TElem = "float32", a = A, b = B): TCase => ({
  name,
  op,
  inputs: [
    { name: "a", dtype, shape: [2, 5], data: a },
    { name: "b", dtype, shape: [2, 5], data: b },
  ],
  outputs: [{ name: "c", dtype: out }],
  ...(attributes ? { attributes } : {}),
});
const rows = (name: string, op: string, attributes: TAttributeSpec[], out: TElem = "float32", opset?: number): TCase => ({
  name,
  op,
  inputs: [{ name: "x", dtype: "float32", shape: [3, 4], data: [1, 5, -2, 0, NaN, 1, 2, 3, -Infinity, 4, Infinity, -1] }],
  outputs: [{ name: "y", dtype: out }],
  attributes,
  ...(opset ? { opset } : {}),
});
const int64s = (name: string, dims: number[], values: number[]): TTensorSpec => ({ name, dataType: ONNX_TYPE.INT64, dims, int64s: values });

const CASES: TCase[] = [
  unary("test_abs", "Abs"),
  unary("test_neg", "Neg"),
  unary("test_relu", "Relu"),
  unary("test_exp", "Exp"),
  unary("test_log", "Log"),
  unary("test_sqrt", "Sqrt"),
  unary("test_reciprocal", "Reciprocal"),
  unary("test_sigmoid", "Sigmoid"),
  unary("test_tanh", "Tanh"),
  unary("test_floor", "Floor"),
  unary("test_ceil", "Ceil"),
  unary("test_round", "Round"),
  unary("test_sign", "Sign"),
  unary("test_erf", "Erf"),
  unary("test_sin", "Sin"),
  unary("test_atan", "Atan"),
  unary("test_softplus", "Softplus"),
  unary("test_softsign", "Softsign"),
  unary("test_elu", "Elu", "float32", [{ name: "alpha", f: 2 }]),
  unary("test_leakyrelu", "LeakyRelu", "float32", [{ name: "alpha", f: 0.1 }]),
  unary("test_isnan", "IsNaN", "bool"),
  unary("test_isinf", "IsInf", "bool"),
  unary("test_isinf_negative", "IsInf", "bool", [{ name: "detect_positive", i: 0 }]),
  unary("test_cast_FLOAT_to_FLOAT16", "Cast", "float16", [{ name: "to", i: ONNX_TYPE.FLOAT16 }]),
  unary("test_cast_FLOAT_to_DOUBLE", "Cast", "float64", [{ name: "to", i: ONNX_TYPE.DOUBLE }]),
  { name: "test_cast_FLOAT16_to_FLOAT", op: "Cast", inputs: [x([-Infinity, -65504, -1, 0.5, 65504, Infinity, NaN], "float16")], outputs: [{ name: "y", dtype: "float32" }], attributes: [{ name: "to", i: ONNX_TYPE.FLOAT }] },
  { name: "test_identity_float64", op: "Identity", inputs: [x([-Infinity, 1e300, -1e-300, Infinity, NaN, -0], "float64")], outputs: [{ name: "y", dtype: "float64" }] },
  binary("test_add", "Add"),
  binary("test_sub", "Sub"),
  binary("test_mul", "Mul"),
  binary("test_div", "Div"),
  binary("test_pow", "Pow"),
  binary("test_max", "Max"),
  binary("test_min", "Min"),
  binary("test_mod_mixed_sign_float32", "Mod", "float32", [{ name: "fmod", i: 1 }]),
  binary("test_equal", "Equal", "bool"),
  binary("test_less", "Less", "bool"),
  binary("test_greater", "Greater", "bool"),
  binary("test_add_float64", "Add", "float64", undefined, "float64"),
  binary("test_add_int64", "Add", "int64", undefined, "int64", [1, -2, 0, 9007199254740991, -9007199254740991, 5, 6, 7, 8, 9], [1, 2, 0, 0, 0, -5, 6, -7, 8, -9]),
  binary("test_mul_int32", "Mul", "int32", undefined, "int32", [1, -2, 0, 46340, -46340, 5, 6, 7, 8, 9], [1, 2, 0, 46340, 46340, -5, 6, -7, 8, -9]),
  binary("test_add_uint8", "Add", "uint8", undefined, "uint8", [0, 1, 254, 255, 128, 5, 6, 7, 8, 9], [0, 1, 1, 1, 128, 5, 6, 7, 8, 9]),
  rows("test_reduce_max_keepdims", "ReduceMax", [{ name: "axes", ints: [1] }, { name: "keepdims", i: 1 }], "float32", 17),
  rows("test_reduce_min_do_not_keepdims", "ReduceMin", [{ name: "axes", ints: [1] }, { name: "keepdims", i: 0 }], "float32", 17),
  rows("test_reduce_mean_default_axes_keepdims", "ReduceMean", [], "float32", 17),
  rows("test_softmax_axis_1", "Softmax", [{ name: "axis", i: 1 }]),
  rows("test_logsoftmax_axis_1", "LogSoftmax", [{ name: "axis", i: 1 }]),
  rows("test_argmax_keepdims", "ArgMax", [{ name: "axis", i: 1 }, { name: "keepdims", i: 1 }], "int64"),
  rows("test_transpose_default", "Transpose", []),
  {
    name: "test_reduce_sum_keepdims",
    op: "ReduceSum",
    inputs: [{ name: "x", dtype: "float32", shape: [3, 4], data: [1, 5, -2, 0, NaN, 1, 2, 3, -Infinity, 4, Infinity, -1] }],
    outputs: [{ name: "y", dtype: "float32" }],
    initializers: [int64s("axes", [1], [1])],
    constInputs: ["axes"],
    attributes: [{ name: "keepdims", i: 1 }],
  },
  {
    name: "test_clip",
    op: "Clip",
    inputs: [x()],
    outputs: [{ name: "y", dtype: "float32" }],
    initializers: [
      { name: "lo", dataType: ONNX_TYPE.FLOAT, dims: [], floats: [-1] },
      { name: "hi", dataType: ONNX_TYPE.FLOAT, dims: [], floats: [1] },
    ],
    constInputs: ["lo", "hi"],
  },
  {
    name: "test_where_example",
    op: "Where",
    inputs: [
      { name: "cond", dtype: "bool", shape: [2, 2], data: [1, 0, 1, 0] },
      { name: "a", dtype: "float32", shape: [2, 2], data: [NaN, 2, Infinity, 4] },
      { name: "b", dtype: "float32", shape: [2, 2], data: [9, -Infinity, 7, NaN] },
    ],
    outputs: [{ name: "y", dtype: "float32" }],
  },
  {
    name: "test_matmul_2d",
    op: "MatMul",
    inputs: [
      { name: "a", dtype: "float32", shape: [2, 3], data: [1, 2, 3, Infinity, 0, 1] },
      { name: "b", dtype: "float32", shape: [3, 2], data: [1, 0, 0, 1, 1, NaN] },
    ],
    outputs: [{ name: "c", dtype: "float32" }],
  },
  {
    name: "test_concat_2d_axis_negative_1",
    op: "Concat",
    inputs: [
      { name: "a", dtype: "float32", shape: [2, 2], data: [1, NaN, 3, 4] },
      { name: "b", dtype: "float32", shape: [2, 1], data: [-Infinity, Infinity] },
    ],
    outputs: [{ name: "c", dtype: "float32" }],
    attributes: [{ name: "axis", i: -1 }],
  },
];

function modelOf(c: TCase): Uint8Array<ArrayBuffer> {
  return buildModel({
    opset: c.opset ?? 17,
    graph: {
      name: c.name,
      nodes: [{ op: c.op, inputs: [...c.inputs.map((i) => i.name), ...(c.constInputs ?? [])], outputs: c.outputs.map((o) => o.name), ...(c.attributes ? { attributes: c.attributes } : {}) }],
      inputs: c.inputs.map((i) => ({ name: i.name, elemType: ELEM[i.dtype], shape: i.shape })),
      outputs: c.outputs.map((o) => ({ name: o.name, elemType: ELEM[o.dtype] })),
      ...(c.initializers ? { initializers: c.initializers } : {}),
    },
  });
}

/** Typed data of an input as ORT (and the engine) hold it: float16 as raw half bits, int64 as bigints. */
function typedData(a: TArg): ArrayLike<number | bigint> {
  switch (a.dtype) {
    case "float32":
      return Float32Array.from(a.data);
    case "float64":
      return Float64Array.from(a.data);
    case "float16":
      return Uint16Array.from(a.data, (v) => halfBits(v));
    case "int32":
      return Int32Array.from(a.data);
    case "int64":
      return BigInt64Array.from(a.data, (v) => BigInt(v));
    case "uint8":
      return Uint8Array.from(a.data);
    case "bool":
      return Uint8Array.from(a.data);
  }
}

function halfBits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  if (v === Infinity) return 0x7c00;
  if (v === -Infinity) return 0xfc00;
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0]!;
  // The fixtures' half values are exactly representable: shift the float32 bits down.
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const mant = (u >>> 13) & 0x3ff;
  return v === 0 ? sign : sign | (exp << 10) | mant;
}

/** A JSON value of the API as an exact number (the strings for NaN/±Infinity; int64 beyond 2^53 as strings). */
function jsonElem(v: unknown): number | boolean {
  if (typeof v === "string") return v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : Number(v);
  return v as number | boolean;
}

/** Elements as comparable numbers: half floats decoded, bools 0/1, bigints as numbers (the cases stay within 2^53). */
function refElems(dtype: string, data: ArrayLike<unknown>): number[] {
  return Array.from(data, (v) => (dtype === "float16" ? halfToFloat(v as number) : typeof v === "bigint" ? Number(v) : typeof v === "boolean" ? Number(v) : (v as number)));
}

const DTYPE_OF_ORT: Record<string, TDtype> = { float32: "float32", float64: "float64", float16: "float16", int32: "int32", int64: "int64", uint8: "uint8", bool: "bool" };

describe("ONNX operator cases with NaN and ±Infinity: raw ONNX Runtime vs REST, OIP JSON and OIP binary", () => {
  let serving: TModelServing;
  let h: TServingHarness;
  let key: string;
  const reference = new Map<string, Record<string, { dtype: string; shape: number[]; data: ArrayLike<unknown> }>>();

  beforeAll(async () => {
    serving = await startModelServing();
    h = serving.h;
    for (const c of CASES) {
      const bytes = modelOf(c);
      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, logSeverityLevel: 3 });
      const feeds = Object.fromEntries(c.inputs.map((i) => [i.name, new ort.Tensor(i.dtype, typedData(i) as Float32Array, i.shape)]));
      const out = await session.run(feeds);
      reference.set(c.name, Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { dtype: t.type, shape: [...t.dims], data: t.data as ArrayLike<unknown> }])));
      await session.release();

      const model = c.name.replaceAll("_", "-").toLowerCase();
      await serving.upload(model, bytes);
      const g = new GraphBuilder();
      const m = g.add("model/onnx@v1", { model, version: 1 }, "model");
      for (const i of c.inputs) g.connect(g.input(i.name, { kind: "tensor", dtype: i.dtype, shape: i.shape }), "value", m, i.name);
      for (const o of c.outputs) g.output(o.name, m, o.name);
      await serving.publish(slugOf(c), g.build());
    }
    key = await serving.key();
  }, 180_000);
  afterAll(async () => serving?.close());

  const slugOf = (c: TCase) => `onnx-${c.name.replaceAll("_", "-").toLowerCase().slice(5)}`;
  const auth = () => ({ authorization: `Bearer ${key}` });
  /** JSON inputs as a client writes them: floats' NaN and ±Infinity as strings, -0 as the literal -0 (as Python's json writes it). */
  const jsonData = (a: TArg) => a.data.map((v) => (a.dtype === "bool" ? v === 1 : Object.is(v, -0) ? NEG_ZERO : Number.isFinite(v) ? v : String(v)));
  const NEG_ZERO = "\u0000-0";
  const toJson = (v: unknown) => JSON.stringify(v).replaceAll(JSON.stringify(NEG_ZERO), "-0");

  function expectSame(c: TCase, name: string, got: { dtype: string; shape: number[]; elems: number[] }, exactBits: boolean) {
    const want = reference.get(c.name)![name]!;
    expect(got.dtype, `${c.name}.${name} dtype`).toBe(DTYPE_OF_ORT[want.dtype]);
    expect(got.shape, `${c.name}.${name} shape`).toEqual(want.shape);
    const w = refElems(want.dtype, want.data);
    expect(got.elems.length).toBe(w.length);
    w.forEach((v, k) => {
      // The server writes JSON with JSON.stringify, which prints -0 as 0: JSON answers lose the sign of zero, binary keeps it.
      const ok = exactBits ? Object.is(got.elems[k], v) : Object.is(got.elems[k], v) || (v === 0 && got.elems[k] === 0);
      expect(ok, `${c.name}.${name}[${k}]: got ${got.elems[k]}, raw ONNX Runtime gives ${v}`).toBe(true);
    });
  }

  it.each(CASES)("$name over REST (JSON)", async (c) => {
    const body = Object.fromEntries(c.inputs.map((i) => [i.name, { dtype: i.dtype, shape: i.shape, data: jsonData(i) }]));
    const res = await fetch(`${h.base}/api/v1/pipelines/${slugOf(c)}/invoke`, { method: "POST", headers: { ...auth(), "content-type": "application/json" }, body: toJson(body) });
    const json = (await res.json()) as { outputs: Record<string, { dtype: string; shape: number[]; data: unknown[] }> };
    expect(res.status, JSON.stringify(json)).toBe(200);
    for (const o of c.outputs) {
      const t = json.outputs[o.name]!;
      expectSame(c, o.name, { dtype: t.dtype, shape: t.shape, elems: t.data.map((v) => Number(jsonElem(v))) }, false);
    }
  });

  it.each(CASES)("$name over OIP (JSON)", async (c) => {
    const inputs = c.inputs.map((i) => ({ name: i.name, datatype: OIP[i.dtype], shape: i.shape, data: jsonData(i) }));
    const res = await fetch(`${h.base}/v2/models/${slugOf(c)}/infer`, { method: "POST", headers: { ...auth(), "content-type": "application/json" }, body: toJson({ inputs }) });
    const json = (await res.json()) as { outputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[] };
    expect(res.status, JSON.stringify(json)).toBe(200);
    for (const o of c.outputs) {
      const t = json.outputs.find((x) => x.name === o.name)!;
      expect(t.datatype).toBe(OIP[o.dtype]);
      expectSame(c, o.name, { dtype: o.dtype, shape: t.shape, elems: t.data.map((v) => Number(jsonElem(v))) }, false);
    }
  });

  it.each(CASES)("$name over OIP with binary tensor data", async (c) => {
    const chunks = c.inputs.map((i) => Buffer.from(new Uint8Array((typedData(i) as unknown as ArrayBufferView).buffer)));
    const header = Buffer.from(
      JSON.stringify({
        inputs: c.inputs.map((i, k) => ({ name: i.name, datatype: OIP[i.dtype], shape: i.shape, parameters: { binary_data_size: chunks[k]!.length } })),
        outputs: c.outputs.map((o) => ({ name: o.name, parameters: { binary_data: true } })),
      }),
    );
    const res = await fetch(`${h.base}/v2/models/${slugOf(c)}/infer`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/octet-stream", "inference-header-content-length": String(header.length) },
      body: Buffer.concat([header, ...chunks]),
    });
    const raw = Buffer.from(await res.arrayBuffer());
    expect(res.status, raw.toString()).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    const jsonLength = Number(res.headers.get("inference-header-content-length"));
    const json = JSON.parse(raw.subarray(0, jsonLength).toString()) as { outputs: { name: string; datatype: string; shape: number[]; data?: unknown; parameters: { binary_data_size: number } }[] };
    let offset = jsonLength;
    for (const t of json.outputs) {
      expect(t.data).toBeUndefined();
      const bytes = raw.subarray(offset, offset + t.parameters.binary_data_size);
      offset += t.parameters.binary_data_size;
      const o = c.outputs.find((x) => x.name === t.name)!;
      const copy = new Uint8Array(bytes).buffer;
      const typed = { float32: Float32Array, float64: Float64Array, float16: Uint16Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, bool: Uint8Array }[o.dtype];
      expectSame(c, o.name, { dtype: o.dtype, shape: t.shape, elems: refElems(o.dtype, new typed(copy)) }, true);
    }
    expect(offset).toBe(raw.length);
  });
});
