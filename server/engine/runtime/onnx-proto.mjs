/**
 * A minimal, bounds-checked protobuf walker for the parts of an ONNX ModelProto the registry needs:
 * the header (IR version, producer, default opset), the declared graph inputs/outputs, and every tensor
 * that keeps its bytes outside the file (initializers, Constant attributes, sparse tensors, subgraphs,
 * functions). Field numbers follow onnx/onnx.proto. Large payloads (raw_data) are skipped by length,
 * never copied, so a 1 GiB model costs one pass over its framing.
 *
 * Plain .mjs so the runtime child processes can load it without a TypeScript loader (types in onnx-proto.d.mts).
 */

export class ProtoError extends Error {
  constructor(message) {
    super(message);
    this.name = "ProtoError";
  }
}

const MAX_DEPTH = 48;
const utf8 = new TextDecoder("utf-8");

/** Reads a varint as a JS number (exact up to 2^53, which covers every field read here). */
function readVarint(buf, pos, end) {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new ProtoError("truncated varint");
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
  throw new ProtoError("malformed varint");
}

/**
 * Calls visit(field, wire, value, start, end) for each field of the message in buf[start, end):
 * value is the number for varints; start/end delimit the payload of length-delimited fields.
 */
function eachField(buf, start, end, visit) {
  let pos = start;
  while (pos < end) {
    let key;
    [key, pos] = readVarint(buf, pos, end);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw new ProtoError("field number 0");
    switch (wire) {
      case 0: {
        let v;
        [v, pos] = readVarint(buf, pos, end);
        visit(field, wire, v, 0, 0);
        break;
      }
      case 1:
        if (pos + 8 > end) throw new ProtoError("truncated fixed64");
        pos += 8;
        break;
      case 2: {
        let len;
        [len, pos] = readVarint(buf, pos, end);
        if (pos + len > end) throw new ProtoError(`a length-delimited field (${field}) runs past the end of its message`);
        visit(field, wire, 0, pos, pos + len);
        pos += len;
        break;
      }
      case 5:
        if (pos + 4 > end) throw new ProtoError("truncated fixed32");
        pos += 4;
        break;
      default:
        throw new ProtoError(`unsupported wire type ${wire}`);
    }
  }
}

const text = (buf, start, end) => utf8.decode(buf.subarray(start, end));

/**
 * @param {Uint8Array} buf
 * @returns {import("./onnx-proto.d.mts").TModelProtoSummary}
 */
export function readModelProto(buf) {
  const summary = {
    irVersion: null,
    producer: null,
    opset: null,
    hasGraph: false,
    inputs: [],
    outputs: [],
    initializerNames: [],
    externalTensors: [],
  };
  const externals = new Set();

  const tensor = (start, end, where) => {
    let name = "";
    let location = 0;
    let externalEntries = 0;
    eachField(buf, start, end, (f, w, v, s, e) => {
      if (f === 8 && w === 2) name = text(buf, s, e);
      else if (f === 13 && w === 2) externalEntries++;
      else if (f === 14 && w === 0) location = v;
    });
    // data_location EXTERNAL = 1; external_data entries alone also mean "read bytes from another file".
    if (location === 1 || externalEntries > 0) externals.add(name ? `${where}${name}` : `${where}(unnamed tensor)`);
    return name;
  };

  const sparseTensor = (start, end, where) =>
    eachField(buf, start, end, (f, w, _v, s, e) => {
      if ((f === 1 || f === 2) && w === 2) tensor(s, e, where);
    });

  const attribute = (start, end, depth, where) =>
    eachField(buf, start, end, (f, w, _v, s, e) => {
      if (w !== 2) return;
      if (f === 5 || f === 10) tensor(s, e, where);
      else if (f === 6 || f === 11) graph(s, e, depth + 1, false, where);
      else if (f === 22 || f === 23) sparseTensor(s, e, where);
    });

  const node = (start, end, depth, where) => {
    let name = "";
    const attributes = [];
    eachField(buf, start, end, (f, w, _v, s, e) => {
      if (f === 3 && w === 2) name = text(buf, s, e);
      else if (f === 5 && w === 2) attributes.push([s, e]);
    });
    const inner = `${where}node '${name}' › `;
    for (const [s, e] of attributes) attribute(s, e, depth, inner);
  };

  const dim = (start, end) => {
    let d = null;
    eachField(buf, start, end, (f, w, v, s, e) => {
      if (f === 1 && w === 0) d = v <= Number.MAX_SAFE_INTEGER && v >= 0 ? v : null;
      else if (f === 2 && w === 2) d = text(buf, s, e) || null;
    });
    return d;
  };

  const typeProto = (start, end) => {
    let type = { kind: "unknown" };
    eachField(buf, start, end, (f, w, _v, s, e) => {
      if (w !== 2) return;
      if (f === 1) {
        let elemType = 0;
        let shape = null;
        eachField(buf, s, e, (tf, tw, tv, ts, te) => {
          if (tf === 1 && tw === 0) elemType = tv;
          else if (tf === 2 && tw === 2) {
            shape = [];
            eachField(buf, ts, te, (df, dw, _dv, ds, de) => {
              if (df === 1 && dw === 2) shape.push(dim(ds, de));
            });
          }
        });
        type = { kind: "tensor", elemType, shape };
      } else if (f === 4) type = { kind: "sequence" };
      else if (f === 5) type = { kind: "map" };
      else if (f === 7) type = { kind: "opaque" };
      else if (f === 8) type = { kind: "sparse_tensor" };
      else if (f === 9) type = { kind: "optional" };
    });
    return type;
  };

  const valueInfo = (start, end) => {
    let name = "";
    let type = { kind: "unknown" };
    eachField(buf, start, end, (f, w, _v, s, e) => {
      if (f === 1 && w === 2) name = text(buf, s, e);
      else if (f === 2 && w === 2) type = typeProto(s, e);
    });
    return { name, type };
  };

  function graph(start, end, depth, top, where) {
    if (depth > MAX_DEPTH) throw new ProtoError("subgraphs nested too deeply");
    const inner = top ? where : `${where}subgraph › `;
    eachField(buf, start, end, (f, w, _v, s, e) => {
      if (w !== 2) return;
      if (f === 1) node(s, e, depth, inner);
      else if (f === 5) {
        const name = tensor(s, e, inner);
        if (top) summary.initializerNames.push(name);
      } else if (f === 15) sparseTensor(s, e, inner);
      else if (top && f === 11) summary.inputs.push(valueInfo(s, e));
      else if (top && f === 12) summary.outputs.push(valueInfo(s, e));
    });
  }

  const fn = (start, end) => {
    let name = "";
    const nodes = [];
    eachField(buf, start, end, (f, w, _v, s, e) => {
      if (f === 1 && w === 2) name = text(buf, s, e);
      else if (f === 7 && w === 2) nodes.push([s, e]);
    });
    for (const [s, e] of nodes) node(s, e, 1, `function '${name}' › `);
  };

  eachField(buf, 0, buf.length, (f, w, v, s, e) => {
    if (f === 1 && w === 0) summary.irVersion = v;
    else if (f === 2 && w === 2) summary.producer = text(buf, s, e) || null;
    else if (f === 7 && w === 2) {
      summary.hasGraph = true;
      graph(s, e, 0, true, "");
    } else if (f === 8 && w === 2) {
      let domain = "";
      let version = null;
      eachField(buf, s, e, (of, ow, ov, os, oe) => {
        if (of === 1 && ow === 2) domain = text(buf, os, oe);
        else if (of === 2 && ow === 0) version = ov;
      });
      if ((domain === "" || domain === "ai.onnx") && version !== null) summary.opset = version;
    } else if (f === 25 && w === 2) fn(s, e);
  });
  summary.externalTensors = [...externals];
  return summary;
}
