/**
 * A minimal, dependency-free ONNX writer: encodes a ModelProto (onnx.proto3 field numbers) to protobuf bytes,
 * so the repo can export small models without Python or the `onnx` package.
 *
 * Scope: what small feed-forward graphs need: nodes with int / float / string / ints / floats attributes,
 * float32 / int64 / int32 initializers stored as little-endian raw_data, and tensor-typed inputs and outputs
 * whose dims are fixed sizes or symbolic names (dim_param). Fields are written in ascending field-number order
 * and repeated scalars unpacked, as the reference C++ serializer does, so equal inputs give byte-identical files.
 *
 * `denseSoftmaxClassifier` builds the graph used by the example models: MatMul + Add per layer, Relu between
 * layers, Softmax(axis=-1) at the end.
 */

// ---------------------------------------------------------------------------------------------------------------
// Public model description

export type OnnxElemType = "float32" | "int32" | "int64";

/** TensorProto.DataType values. */
const ELEM_TYPE: Record<OnnxElemType, number> = { float32: 1, int32: 6, int64: 7 };

export type OnnxTensorData = { type: "float32"; data: Float32Array } | { type: "int32"; data: Int32Array } | { type: "int64"; data: BigInt64Array };

export type OnnxInitializer = OnnxTensorData & { name: string; dims: readonly number[] };

export type OnnxAttribute =
  | { name: string; type: "float"; value: number }
  | { name: string; type: "int"; value: number | bigint }
  | { name: string; type: "string"; value: string }
  | { name: string; type: "floats"; value: readonly number[] }
  | { name: string; type: "ints"; value: readonly (number | bigint)[] };

export interface OnnxNode {
  name: string;
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly OnnxAttribute[];
  /** Operator domain; "" (the default ONNX domain) when omitted. */
  domain?: string;
}

export interface OnnxValueInfo {
  name: string;
  elemType: OnnxElemType;
  /** A number is a fixed dimension (dim_value), a string a symbolic one (dim_param). */
  shape: readonly (number | string)[];
  docString?: string;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxInitializer[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  docString?: string;
}

export interface OnnxModel {
  /** Defaults to 8 (ONNX 1.10+; accepted by every ONNX Runtime release since 1.10). */
  irVersion?: number;
  /** Version of the default ("" / ai.onnx) operator set; defaults to 17. */
  opsetVersion?: number;
  producerName: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  /** Written as metadata_props, in the order given. */
  metadata?: readonly (readonly [string, string])[];
  graph: OnnxGraph;
}

// ---------------------------------------------------------------------------------------------------------------
// Protobuf wire format

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

/** Accumulates one message's bytes. Nested messages are encoded separately and embedded as length-delimited fields. */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(BigInt(field) * 8n + BigInt(wire));
  }

  /** Unsigned LEB128 of a 64-bit two's-complement value (negative int64s take ten bytes, as protobuf specifies). */
  private rawVarint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      out.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(out));
  }

  /** int32 / int64 / enum field. */
  int(field: number, value: number | bigint): this {
    if (typeof value === "number" && !Number.isSafeInteger(value)) throw new RangeError(`field ${field}: ${value} is not a safe integer`);
    const v = BigInt(value);
    if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new RangeError(`field ${field}: ${value} is outside int64`);
    this.tag(field, WIRE_VARINT);
    this.rawVarint(v);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.rawVarint(BigInt(value.length));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** Writes a string field only when it is non-empty (proto3 default elision). */
  optString(field: number, value: string | undefined): this {
    return value ? this.string(field, value) : this;
  }

  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// ONNX messages (field numbers from onnx/onnx.proto3)

function tensorRawData(t: OnnxTensorData): Uint8Array {
  const width = t.type === "int64" ? 8 : 4;
  const out = new Uint8Array(t.data.length * width);
  const view = new DataView(out.buffer);
  for (let i = 0; i < t.data.length; i++) {
    if (t.type === "float32") view.setFloat32(i * 4, t.data[i] ?? 0, true);
    else if (t.type === "int32") view.setInt32(i * 4, t.data[i] ?? 0, true);
    else view.setBigInt64(i * 8, t.data[i] ?? 0n, true);
  }
  return out;
}

/** TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9. */
function tensorProto(t: OnnxInitializer): ProtoWriter {
  const expected = t.dims.reduce((a, b) => a * b, 1);
  if (t.dims.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`initializer ${t.name}: invalid dims [${t.dims.join(", ")}]`);
  if (t.data.length !== expected) throw new RangeError(`initializer ${t.name}: dims [${t.dims.join(", ")}] need ${expected} values, got ${t.data.length}`);
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  w.int(2, ELEM_TYPE[t.type]);
  w.string(8, t.name);
  w.bytes(9, tensorRawData(t));
  return w;
}

/** AttributeProto: name = 1, f = 2, i = 3, s = 4, floats = 7, ints = 8, type = 20 (FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7). */
function attributeProto(a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name);
  switch (a.type) {
    case "float":
      return w.float(2, a.value).int(20, 1);
    case "int":
      return w.int(3, a.value).int(20, 2);
    case "string":
      return w.string(4, a.value).int(20, 3);
    case "floats":
      for (const v of a.value) w.float(7, v);
      return w.int(20, 6);
    case "ints":
      for (const v of a.value) w.int(8, v);
      return w.int(20, 7);
  }
}

/** NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7. */
function nodeProto(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, attributeProto(a));
  w.optString(7, n.domain);
  return w;
}

/**
 * ValueInfoProto { name = 1, type = 2, doc_string = 3 } with TypeProto { tensor_type = 1 },
 * TypeProto.Tensor { elem_type = 1, shape = 2 }, TensorShapeProto { dim = 1 }, Dimension { dim_value = 1, dim_param = 2 }.
 */
function valueInfoProto(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = new ProtoWriter();
    if (typeof d === "number") {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`${v.name}: invalid dimension ${d}`);
      dim.int(1, d);
    } else {
      if (!d) throw new RangeError(`${v.name}: empty symbolic dimension`);
      dim.string(2, d);
    }
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, ELEM_TYPE[v.elemType]).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type).optString(3, v.docString);
}

/** GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12. */
function graphProto(g: OnnxGraph): ProtoWriter {
  checkGraph(g);
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, nodeProto(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, tensorProto(t));
  w.optString(10, g.docString);
  for (const i of g.inputs) w.message(11, valueInfoProto(i));
  for (const o of g.outputs) w.message(12, valueInfoProto(o));
  return w;
}

/** Cheap structural checks (ONNX Runtime does the full ones when loading): SSA names, topological order. */
function checkGraph(g: OnnxGraph): void {
  const defined = new Set<string>();
  const define = (name: string, what: string): void => {
    if (!name) throw new Error(`graph ${g.name}: ${what} has an empty name`);
    if (defined.has(name)) throw new Error(`graph ${g.name}: "${name}" is defined twice`);
    defined.add(name);
  };
  for (const i of g.inputs) define(i.name, "an input");
  for (const t of g.initializers) define(t.name, "an initializer");
  for (const n of g.nodes) {
    for (const i of n.inputs) if (i && !defined.has(i)) throw new Error(`graph ${g.name}: node ${n.name} reads "${i}" before it is defined`);
    for (const o of n.outputs) define(o, `an output of node ${n.name}`);
  }
  for (const o of g.outputs) if (!defined.has(o.name)) throw new Error(`graph ${g.name}: output "${o.name}" is never produced`);
}

/**
 * ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, domain = 4, model_version = 5,
 * doc_string = 6, graph = 7, opset_import = 8 (OperatorSetIdProto { domain = 1, version = 2 }),
 * metadata_props = 14 (StringStringEntryProto { key = 1, value = 2 }).
 */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, m.irVersion ?? 8);
  w.string(2, m.producerName);
  w.optString(3, m.producerVersion);
  w.optString(4, m.domain);
  if (m.modelVersion !== undefined) w.int(5, m.modelVersion);
  w.optString(6, m.docString);
  w.message(7, graphProto(m.graph));
  w.message(8, new ProtoWriter().int(2, m.opsetVersion ?? 17));
  for (const [key, value] of m.metadata ?? []) w.message(14, new ProtoWriter().string(1, key).string(2, value));
  return w.finish();
}

// ---------------------------------------------------------------------------------------------------------------
// Graph builder for dense softmax classifiers

export interface DenseLayer {
  /** Row-major [inputs, outputs]: y = x · W + b. */
  weights: Float32Array;
  bias: Float32Array;
  inputs: number;
  outputs: number;
}

export interface DenseClassifierOptions {
  name: string;
  layers: readonly DenseLayer[];
  inputName?: string;
  outputName?: string;
  /** Symbolic batch dimension; defaults to "batch". */
  batchDim?: string;
  docString?: string;
}

/**
 * `input [batch, n_in] → (MatMul + Add → Relu)* → MatMul + Add → Softmax(axis=-1) → output [batch, n_classes]`:
 * a Relu follows every layer but the last.
 */
export function denseSoftmaxClassifier(o: DenseClassifierOptions): OnnxGraph {
  const inputName = o.inputName ?? "features";
  const outputName = o.outputName ?? "probabilities";
  const batch = o.batchDim ?? "batch";
  const first = o.layers[0];
  const last = o.layers[o.layers.length - 1];
  if (!first || !last) throw new Error(`${o.name}: a classifier needs at least one layer`);

  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  let current = inputName;
  o.layers.forEach((layer, i) => {
    if (layer.weights.length !== layer.inputs * layer.outputs || layer.bias.length !== layer.outputs) throw new RangeError(`${o.name}: layer ${i} has mis-sized weights or bias`);
    const prev = o.layers[i - 1];
    if (prev && prev.outputs !== layer.inputs) throw new RangeError(`${o.name}: layer ${i} takes ${layer.inputs} inputs but layer ${i - 1} gives ${prev.outputs}`);
    const w = `dense${i}.weight`;
    const b = `dense${i}.bias`;
    initializers.push({ name: w, type: "float32", dims: [layer.inputs, layer.outputs], data: layer.weights });
    initializers.push({ name: b, type: "float32", dims: [layer.outputs], data: layer.bias });
    nodes.push({ name: `dense${i}/MatMul`, opType: "MatMul", inputs: [current, w], outputs: [`dense${i}.matmul`] });
    nodes.push({ name: `dense${i}/Add`, opType: "Add", inputs: [`dense${i}.matmul`, b], outputs: [`dense${i}.out`] });
    current = `dense${i}.out`;
    if (i < o.layers.length - 1) {
      nodes.push({ name: `dense${i}/Relu`, opType: "Relu", inputs: [current], outputs: [`dense${i}.relu`] });
      current = `dense${i}.relu`;
    }
  });
  nodes.push({ name: "Softmax", opType: "Softmax", inputs: [current], outputs: [outputName], attributes: [{ name: "axis", type: "int", value: -1 }] });

  return {
    name: o.name,
    nodes,
    initializers,
    inputs: [{ name: inputName, elemType: "float32", shape: [batch, first.inputs] }],
    outputs: [{ name: outputName, elemType: "float32", shape: [batch, last.outputs] }],
    docString: o.docString,
  };
}
