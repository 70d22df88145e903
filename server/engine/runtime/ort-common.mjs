/**
 * What both runtime child processes (model inspection, inference workers) share: session options,
 * the dtype rules, model signature checks and tensor conversion. The only module besides those two
 * scripts that imports onnxruntime-node. Plain .mjs: the children start without a TypeScript loader
 * (~180 ms instead of ~450–650 ms with `--import tsx`, measured on the CI machine).
 */
import ort from "onnxruntime-node";

/** Session options the app sets explicitly; see TSessionOptions in types.ts. */
export const DEFAULT_SESSION_OPTIONS = Object.freeze({
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  enableCpuMemArena: true,
  enableMemPattern: true,
  graphOptimizationLevel: "all",
  executionMode: "sequential",
  allowSpinning: false,
});

/** ONNX TensorProto.DataType → the engine's dtype, for the types ORT's JS binding can exchange. */
const DTYPE_OF_ELEM_TYPE = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
};
const ELEM_TYPE_NAMES = {
  0: "undefined",
  14: "complex64",
  15: "complex128",
  16: "bfloat16",
  17: "float8e4m3fn",
  18: "float8e4m3fnuz",
  19: "float8e5m2",
  20: "float8e5m2fnuz",
  21: "uint4",
  22: "int4",
  23: "float4e2m1",
  24: "float8e8m0",
  25: "uint2",
  26: "int2",
};
const SUPPORTED_DTYPES = new Set(Object.values(DTYPE_OF_ELEM_TYPE));

/** A failure a child reports to its parent with a stable code (see TRuntimeErrorCode). */
export class RuntimeFailure extends Error {
  constructor(code, message, details = undefined) {
    super(message);
    this.name = "RuntimeFailure";
    this.code = code;
    this.details = details;
  }
}

/** The IPC form of any error: RuntimeFailures keep their code, anything else becomes `fallbackCode`. */
export function failureMessage(e, fallbackCode) {
  if (e instanceof RuntimeFailure) return { code: e.code, message: e.message, details: e.details };
  return { code: fallbackCode, message: e instanceof Error ? e.message : String(e), details: undefined };
}

export function ortSessionOptions(options = {}) {
  const o = { ...DEFAULT_SESSION_OPTIONS, ...options };
  const spin = o.allowSpinning ? "1" : "0";
  return {
    executionProviders: ["cpu"],
    intraOpNumThreads: o.intraOpNumThreads,
    interOpNumThreads: o.interOpNumThreads,
    enableCpuMemArena: o.enableCpuMemArena,
    enableMemPattern: o.enableMemPattern,
    graphOptimizationLevel: o.graphOptimizationLevel,
    executionMode: o.executionMode,
    // Errors only: ORT's warnings (constant folding skipped, …) are noise in the server log.
    logSeverityLevel: 3,
    // The Node binding flattens these into session config entries (session.intra_op.allow_spinning = "0").
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
}

const typeName = (elemType) => DTYPE_OF_ELEM_TYPE[elemType] ?? ELEM_TYPE_NAMES[elemType] ?? `type ${elemType}`;

/**
 * Refuses, before ONNX Runtime sees the model, inputs and outputs the engine cannot exchange with it:
 * non-tensors (sequences, maps, optionals, sparse tensors) and element types ORT's JS binding has no
 * array for (int4/uint4 outputs even abort the process when run). Initializers are not inputs.
 */
export function checkDeclaredSignature(summary) {
  const initializers = new Set(summary.initializerNames);
  const problems = [];
  for (const [side, list] of [
    ["input", summary.inputs.filter((v) => !initializers.has(v.name))],
    ["output", summary.outputs],
  ]) {
    for (const { name, type } of list) {
      if (type.kind !== "tensor") problems.push({ side, name, type: type.kind });
      else if (!DTYPE_OF_ELEM_TYPE[type.elemType]) problems.push({ side, name, type: typeName(type.elemType) });
    }
  }
  if (problems.length) throw unsupported(problems);
}

function unsupported(problems) {
  const list = problems.map((p) => `${p.side} '${p.name}' is ${/^[aeiou]/.test(p.type) ? "an" : "a"} ${p.type}`).join("; ");
  return new RuntimeFailure(
    "MODEL_UNSUPPORTED_TYPE",
    `The model's ${list}. Pipelines exchange tensors of ${[...SUPPORTED_DTYPES].join(", ")} with models.`,
    { problems },
  );
}

/**
 * The engine's view of a session's inputs and outputs (TTensorInfo[]). ORT reports unknown dimensions
 * as "" and an undeclared rank as []; the protobuf summary, when given, tells the latter from a scalar.
 */
export function describeSession(session, summary) {
  const declared = new Map();
  for (const v of [...(summary?.inputs ?? []), ...(summary?.outputs ?? [])]) declared.set(v.name, v.type);
  const problems = [];
  const describe = (side, list) =>
    list.map((m) => {
      if (!m.isTensor) {
        problems.push({ side, name: m.name, type: declared.get(m.name)?.kind ?? "non-tensor value" });
        return null;
      }
      if (!SUPPORTED_DTYPES.has(m.type)) {
        problems.push({ side, name: m.name, type: m.type });
        return null;
      }
      const d = declared.get(m.name);
      const rankUnknown = d?.kind === "tensor" && d.shape === null && m.shape.length === 0;
      return { name: m.name, dtype: m.type, shape: rankUnknown ? null : m.shape.map((x) => (x === "" ? null : x)) };
    });
  const inputs = describe("input", session.inputMetadata);
  const outputs = describe("output", session.outputMetadata);
  if (problems.length) throw unsupported(problems);
  return { inputs, outputs };
}

/** A typed array that owns its whole buffer (IPC serialises a view's entire backing buffer otherwise). */
export function compact(data) {
  if (Array.isArray(data) || (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength)) return data;
  return data.slice();
}

export function toOrtTensor(name, t) {
  if (!t || t.kind !== "tensor" || !SUPPORTED_DTYPES.has(t.dtype)) {
    throw new RuntimeFailure("INFERENCE_FAILED", `Input '${name}' is not a tensor of a supported dtype.`, { input: name });
  }
  try {
    return new ort.Tensor(t.dtype, t.data, t.shape);
  } catch (e) {
    throw new RuntimeFailure("INFERENCE_FAILED", `Input '${name}': ${e instanceof Error ? e.message : String(e)}`, { input: name });
  }
}

export function fromOrtTensor(t) {
  return { kind: "tensor", dtype: t.type, shape: Array.from(t.dims), data: compact(t.data) };
}

export { ort };
