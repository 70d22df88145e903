/**
 * A tiny hand-written ONNX (protobuf) encoder for tests: builds real models without Python or a protobuf
 * dependency. Field numbers follow onnx/onnx.proto (IR version 10). Only what tests need is encoded.
 */

/** TensorProto.DataType values. */
export const ONNX_TYPE = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  BFLOAT16: 16,
  UINT4: 21,
  INT4: 22,
} as const;

export type TDim = number | string | null;

export interface TValueInfoSpec {
  name: string;
  elemType: number;
  /** Omitted: no shape at all (rank unknown). null entries: a dimension with neither value nor name. */
  shape?: TDim[];
  /** Wrap the tensor type in a sequence (ORT cannot hand these to JS as tensors). */
  sequence?: boolean;
}

export interface TTensorSpec {
  name: string;
  dataType: number;
  dims: number[];
  floats?: number[];
  int64s?: (number | bigint)[];
  raw?: Uint8Array;
  /** Marks the tensor as stored outside the model file (TensorProto.data_location = EXTERNAL). */
  external?: { location: string; offset?: number; length?: number };
}

export type TAttributeSpec =
  | { name: string; i: number | bigint }
  | { name: string; f: number }
  | { name: string; s: string }
  | { name: string; ints: (number | bigint)[] }
  | { name: string; t: TTensorSpec }
  | { name: string; g: TGraphSpec };

export interface TNodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: TAttributeSpec[];
}

export interface TGraphSpec {
  name?: string;
  nodes: TNodeSpec[];
  inputs: TValueInfoSpec[];
  outputs: TValueInfoSpec[];
  initializers?: TTensorSpec[];
}

export interface TModelSpec {
  graph: TGraphSpec;
  irVersion?: number;
  opset?: number;
  producer?: string;
  producerVersion?: string;
}

class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array) {
    this.parts.push(b);
    this.size += b.length;
  }
  private varint(value: number | bigint) {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }
  private tag(field: number, wire: number) {
    this.varint((field << 3) | wire);
  }
  int(field: number, value: number | bigint) {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }
  float(field: number, value: number) {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }
  bytes(field: number, value: Uint8Array) {
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }
  string(field: number, value: string) {
    return this.bytes(field, new TextEncoder().encode(value));
  }
  message(field: number, build: (w: Writer) => void) {
    const w = new Writer();
    build(w);
    return this.bytes(field, w.finish());
  }
  packedVarints(field: number, values: (number | bigint)[]) {
    const w = new Writer();
    for (const v of values) w.varint(v);
    return this.bytes(field, w.finish());
  }
  packedFloats(field: number, values: number[]) {
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }
  finish(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function writeTensor(w: Writer, t: TTensorSpec) {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  if (t.floats) w.packedFloats(4, t.floats);
  if (t.int64s) w.packedVarints(7, t.int64s);
  w.string(8, t.name);
  if (t.raw) w.bytes(9, t.raw);
  if (t.external) {
    const entries: [string, string][] = [["location", t.external.location]];
    if (t.external.offset !== undefined) entries.push(["offset", String(t.external.offset)]);
    if (t.external.length !== undefined) entries.push(["length", String(t.external.length)]);
    for (const [key, value] of entries) w.message(13, (e) => e.string(1, key).string(2, value));
    w.int(14, 1);
  }
}

function writeTypeProto(w: Writer, v: TValueInfoSpec) {
  const tensorType = (tw: Writer) =>
    tw.message(1, (tt) => {
      tt.int(1, v.elemType);
      if (v.shape) {
        const shape = v.shape;
        tt.message(2, (sw) => {
          for (const d of shape) {
            sw.message(1, (dw) => {
              if (typeof d === "number") dw.int(1, d);
              else if (typeof d === "string") dw.string(2, d);
            });
          }
        });
      }
    });
  if (v.sequence) w.message(4, (sq) => sq.message(1, tensorType));
  else tensorType(w);
}

function writeAttribute(w: Writer, a: TAttributeSpec) {
  w.string(1, a.name);
  if ("i" in a) w.int(3, a.i).int(20, 2);
  else if ("f" in a) w.float(2, a.f).int(20, 1);
  else if ("s" in a) w.string(4, a.s).int(20, 3);
  else if ("t" in a) w.message(5, (tw) => writeTensor(tw, a.t)).int(20, 4);
  else if ("g" in a) w.message(6, (gw) => writeGraph(gw, a.g)).int(20, 5);
  else w.packedVarints(8, a.ints).int(20, 7);
}

function writeGraph(w: Writer, g: TGraphSpec) {
  g.nodes.forEach((n, i) =>
    w.message(1, (nw) => {
      for (const x of n.inputs) nw.string(1, x);
      for (const x of n.outputs) nw.string(2, x);
      nw.string(3, n.name ?? `${n.op.toLowerCase()}_${i}`);
      nw.string(4, n.op);
      for (const a of n.attributes ?? []) nw.message(5, (aw) => writeAttribute(aw, a));
      if (n.domain) nw.string(7, n.domain);
    }),
  );
  w.string(2, g.name ?? "graph");
  for (const t of g.initializers ?? []) w.message(5, (tw) => writeTensor(tw, t));
  for (const v of g.inputs) w.message(11, (vw) => vw.string(1, v.name).message(2, (tw) => writeTypeProto(tw, v)));
  for (const v of g.outputs) w.message(12, (vw) => vw.string(1, v.name).message(2, (tw) => writeTypeProto(tw, v)));
}

/** Encodes a ModelProto. */
export function buildModel(spec: TModelSpec): Uint8Array<ArrayBuffer> {
  const w = new Writer();
  w.int(1, spec.irVersion ?? 10);
  w.string(2, spec.producer ?? "inferline-test");
  w.string(3, spec.producerVersion ?? "1");
  w.message(7, (gw) => writeGraph(gw, spec.graph));
  w.message(8, (ow) => ow.string(1, "").int(2, spec.opset ?? 21));
  return w.finish();
}

const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

// ---- Ready-made test models ------------------------------------------------------------------------

/** W (4×2) and B (2) of the linear model, so tests can compute the expected output. */
export const LINEAR_W = [1, 2, 3, 4, 5, 6, 7, 8];
export const LINEAR_B = [0.5, -1];

/**
 * y = x·W + B (x: float32 [batch, 4] → y: float32 [batch, 2]) and ids_out = Identity(ids) (int64 [batch]):
 * a symbolic batch dimension, two dtypes, initializers.
 */
export function linearModel(opts: { producer?: string } = {}): Uint8Array<ArrayBuffer> {
  return buildModel({
    producer: opts.producer ?? "inferline-test",
    opset: 17,
    irVersion: 8,
    graph: {
      name: "linear",
      initializers: [
        { name: "W", dataType: ONNX_TYPE.FLOAT, dims: [4, 2], raw: f32(LINEAR_W) },
        { name: "B", dataType: ONNX_TYPE.FLOAT, dims: [2], floats: LINEAR_B },
      ],
      nodes: [
        { op: "MatMul", inputs: ["x", "W"], outputs: ["xw"] },
        { op: "Add", inputs: ["xw", "B"], outputs: ["y"] },
        { op: "Identity", inputs: ["ids"], outputs: ["ids_out"] },
      ],
      inputs: [
        { name: "x", elemType: ONNX_TYPE.FLOAT, shape: ["batch", 4] },
        { name: "ids", elemType: ONNX_TYPE.INT64, shape: ["batch"] },
      ],
      outputs: [
        { name: "y", elemType: ONNX_TYPE.FLOAT, shape: ["batch", 2] },
        { name: "ids_out", elemType: ONNX_TYPE.INT64, shape: ["batch"] },
      ],
    },
  });
}

/** x·W + B computed in JS, row by row, for a linear-model input. */
export function linearExpected(x: number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / 4; r++) {
    for (let c = 0; c < 2; c++) {
      let s = LINEAR_B[c]!;
      for (let k = 0; k < 4; k++) s += x[r * 4 + k]! * LINEAR_W[k * 2 + c]!;
      out.push(s);
    }
  }
  return out;
}

/** out = a + b, float32 with a fully unknown dimension (neither value nor name). */
export function addModel(): Uint8Array<ArrayBuffer> {
  return buildModel({
    graph: {
      name: "add",
      nodes: [{ op: "Add", inputs: ["a", "b"], outputs: ["sum"] }],
      inputs: [
        { name: "a", elemType: ONNX_TYPE.FLOAT, shape: [null] },
        { name: "b", elemType: ONNX_TYPE.FLOAT, shape: [null] },
      ],
      outputs: [{ name: "sum", elemType: ONNX_TYPE.FLOAT, shape: [null] }],
    },
  });
}

/** Casts float32 x [4] to an int4 output: ORT loads it, but handing the int4 output to JS aborts the process. */
export function int4OutputModel(): Uint8Array<ArrayBuffer> {
  return buildModel({
    graph: {
      name: "int4",
      nodes: [{ op: "Cast", inputs: ["x"], outputs: ["out"], attributes: [{ name: "to", i: ONNX_TYPE.INT4 }] }],
      inputs: [{ name: "x", elemType: ONNX_TYPE.FLOAT, shape: [4] }],
      outputs: [{ name: "out", elemType: ONNX_TYPE.INT4, shape: [4] }],
    },
  });
}

/** A float32 Add whose constant operand lives in an external file next to the model (refused: single files only). */
export function externalDataModel(location = "weights.bin"): Uint8Array<ArrayBuffer> {
  return buildModel({
    graph: {
      name: "external",
      initializers: [{ name: "c", dataType: ONNX_TYPE.FLOAT, dims: [2], external: { location, offset: 0, length: 8 } }],
      nodes: [{ op: "Add", inputs: ["x", "c"], outputs: ["y"] }],
      inputs: [{ name: "x", elemType: ONNX_TYPE.FLOAT, shape: [2] }],
      outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT, shape: [2] }],
    },
  });
}

/** A model whose output is a sequence of tensors (a type the engine does not pass around). */
export function sequenceOutputModel(): Uint8Array<ArrayBuffer> {
  return buildModel({
    graph: {
      name: "sequence",
      nodes: [{ op: "SequenceConstruct", inputs: ["x"], outputs: ["seq"] }],
      inputs: [{ name: "x", elemType: ONNX_TYPE.FLOAT, shape: [2] }],
      outputs: [{ name: "seq", elemType: ONNX_TYPE.FLOAT, sequence: true }],
    },
  });
}

/**
 * `depth` chained square MatMuls of x ([n, n], symbolic n): instant for n = 4, seconds for n in the
 * thousands. The same model serves fast and slow (timeout) runs.
 */
export function matmulChainModel(depth = 16): Uint8Array<ArrayBuffer> {
  const nodes: TNodeSpec[] = [];
  let prev = "x";
  for (let i = 0; i < depth; i++) {
    const out = i === depth - 1 ? "y" : `m${i}`;
    nodes.push({ op: "MatMul", inputs: [prev, "x"], outputs: [out] });
    prev = out;
  }
  return buildModel({
    graph: {
      name: "matmul-chain",
      nodes,
      inputs: [{ name: "x", elemType: ONNX_TYPE.FLOAT, shape: ["n", "n"] }],
      outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT, shape: ["n", "n"] }],
    },
  });
}
