import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError, ERROR_CODES, errorCodeInfo, type TErrorCode } from "../../errors.ts";
import type { TKind } from "../../engine/types/kinds.ts";
import type { TJson } from "../../engine/values/to-json.ts";
import { runPipeline } from "../../services/runs/run-pipeline.ts";
import { routedTarget, setVersionHeader } from "./route-key.ts";
import type { TRunTarget } from "../../services/runs/runnable-resolver.ts";
import { sendJson, sendProblem } from "../problem.ts";
import { assertJsonDepth } from "../json-depth.ts";
import { readBody } from "./read-body.ts";
import { BinaryReader, INFERENCE_HEADER, joinBytesElements, splitBody, splitBytesElements, tensorBytes, tensorFromBytes } from "./oip-binary.ts";
import { isTensor, readNumber, type TDtype } from "../../engine/values/tensor.ts";
import { sendError } from "./rest.ts";
import type { ServingContext } from "./serving-context.ts";

/** Open Inference Protocol datatypes ↔ engine dtypes. */
const OIP_TO_DTYPE: Record<string, string> = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP16: "float16",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
};
const DTYPE_TO_OIP = Object.fromEntries(Object.entries(OIP_TO_DTYPE).map(([k, v]) => [v, k]));

const MODEL_ROUTE = /^\/v2\/models\/([a-z0-9]+(?:-[a-z0-9]+)*)(?:\/versions\/([1-9][0-9]{0,8}))?(\/ready|\/infer)?$/;

export function isOipRoute(path: string): boolean {
  return path === "/v2" || path.startsWith("/v2/");
}

/**
 * Open Inference Protocol v2 (KServe/Triton REST): a published pipeline is a "model" named by its slug;
 * no version = its `production` alias. Pipeline inputs and outputs are the protocol's tensors: tensor
 * kinds map dtype-for-datatype; JSON, text and numbers travel as BYTES (JSON text) or FP64.
 */
export async function handleOip(ctx: ServingContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const path = url.pathname.replace(/\/$/, "");
    if (path === "/v2/health/live") return sendJson(res, 200, { live: true });
    if (path === "/v2/health/ready") {
      const ready = await ctx.db.isReady();
      return sendJson(res, ready ? 200 : 503, { ready });
    }
    if (path === "/v2") return sendJson(res, 200, { name: "inferline", version: "0.1.0", extensions: ["binary_tensor_data"] });
    const m = MODEL_ROUTE.exec(path);
    if (!m) throw new AppError("NOT_FOUND", `No Open Inference Protocol route ${path}.`);
    const [, slug, version, action] = m as unknown as [string, string, string | undefined, string | undefined];
    const target: TRunTarget = version ? { version: Number(version) } : { alias: "production" };
    const key = await ctx.authenticate(req, url, slug);

    if (action === "/infer") {
      if (req.method !== "POST") return sendOipError(res, new AppError("METHOD_NOT_ALLOWED", "Use POST for infer."));
      await ctx.consumeRate(key);
      const type = (req.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase();
      if (type !== "application/json" && type !== "application/octet-stream") {
        throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Content-Type '${type}' is not supported: send application/json, or application/octet-stream with Inference-Header-Content-Length (binary tensor data).`, { contentType: type });
      }
      const { json, binary } = splitBody(await readBody(req, ctx.limits.maxBodyBytes), req.headers[INFERENCE_HEADER]);
      const body = parseJson(json);
      // One route for both resolutions, so a canary split picks the same version for the input kinds and the run.
      const routed = routedTarget(target, req, key.id);
      const runnable = await ctx.resolver.resolve(slug, routed);
      const plan = runnable.compiled.plan;
      if (!plan) throw new AppError("INVALID_PIPELINE", `Pipeline '${slug}' does not compile.`);
      const inputs = decodeInputs(body, new Map(plan.inputs.map((i) => [i.name, i.kind])), new BinaryReader(binary));
      const result = await ctx.withSlot(() => runPipeline({ db: ctx.db.prisma }, ctx.engine, { slug, target: routed, inputs, source: "oip", apiKeyId: key.id, responseCache: true }, ctx.resolver));
      setVersionHeader(res, result.version);
      if (result.status === "error") {
        const code = (result.error.code in ERROR_CODES ? result.error.code : "NODE_FAILED") as TErrorCode;
        return sendProblem(res, code, result.error.message, { error: result.error.message, invocation_id: result.invocationId, ...(result.error.nodeId ? { node: result.error.nodeId } : {}), ...(result.error.port ? (code === "INVALID_INPUT" ? { field: result.error.port } : { port: result.error.port }) : {}) }, errorCodeInfo(code).status);
      }
      if (result.cached !== undefined) res.setHeader("X-Inferline-Cache", result.cached ? "hit" : "miss");
      const requested = requestedOutputs(body);
      const outKinds = new Map(plan.outputs.map((o) => [o.name, o.kind]));
      const chunks: Buffer[] = [];
      const outputs = Object.entries(result.outputs)
        .filter(([name]) => !requested.names || requested.names.has(name))
        .map(([name, v]) => {
          const out = encodeOutput(name, v, outKinds.get(name));
          if (!requested.binary(name)) return out;
          const bytes = outputBytes(out, result.values[name]);
          chunks.push(bytes);
          return { name: out.name, datatype: out.datatype, shape: out.shape, parameters: { ...out.parameters, binary_data_size: bytes.length } };
        });
      const response = {
        model_name: slug,
        model_version: String(result.version),
        ...(typeof body.id === "string" ? { id: body.id } : {}),
        parameters: { invocation_id: result.invocationId },
        outputs,
      };
      if (chunks.length === 0) return sendJson(res, 200, response);
      return sendBinary(res, response, chunks);
    }

    if (req.method !== "GET" && req.method !== "HEAD") throw new AppError("METHOD_NOT_ALLOWED", "Use GET for this route.");
    const runnable = await ctx.resolver.resolve(slug, target);
    if (action === "/ready") return sendJson(res, 200, { name: slug, ready: runnable.compiled.ok });
    const plan = runnable.compiled.plan;
    const versions = await ctx.db.prisma.pipelineVersion.findMany({ where: { pipelineId: runnable.pipelineId }, select: { number: true }, orderBy: { number: "asc" } });
    return sendJson(res, 200, {
      name: slug,
      versions: versions.map((v) => String(v.number)),
      platform: "inferline",
      inputs: plan?.inputs.map((i) => tensorMetadata(i.name, i.kind)) ?? [],
      outputs: plan?.outputs.map((o) => tensorMetadata(o.name, o.kind)) ?? [],
    });
  } catch (e) {
    return sendOipError(res, e);
  }
}

/** OIP clients read `error`; we also send the problem+json fields. */
function sendOipError(res: ServerResponse, e: unknown) {
  if (e instanceof AppError) {
    const retry = e.details?.retryAfterSeconds;
    if (typeof retry === "number") res.setHeader("Retry-After", String(retry));
    return sendProblem(res, e.code, e.message, { error: e.message, ...(e.details ? { details: e.details } : {}) });
  }
  return sendError(res, e);
}

function tensorMetadata(name: string, kind: TKind) {
  if (kind.kind === "tensor") return { name, datatype: kind.dtype === "any" ? "FP32" : DTYPE_TO_OIP[kind.dtype], shape: (kind.shape ?? [-1]).map((d) => (typeof d === "number" ? d : -1)) };
  if (kind.kind === "number" || kind.kind === "integer") return { name, datatype: kind.kind === "number" ? "FP64" : "INT64", shape: [1] };
  if (kind.kind === "boolean") return { name, datatype: "BOOL", shape: [1] };
  return { name, datatype: "BYTES", shape: [1] };
}

function parseJson(body: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new AppError("INVALID_INPUT", `The body is not valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new AppError("INVALID_INPUT", "The body must be an inference request object.");
  assertJsonDepth(v, "The request body"); // before `data.flat(Infinity)` and the log walk them recursively
  return v as Record<string, unknown>;
}

/** OIP request tensors → the pipeline's named inputs (data from JSON, or from the binary section). */
function decodeInputs(body: Record<string, unknown>, kinds: Map<string, TKind>, binary: BinaryReader): Record<string, unknown> {
  if (!Array.isArray(body.inputs)) throw new AppError("INVALID_INPUT", "'inputs' must be a list of tensors.", { field: "inputs" });
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [i, t] of (body.inputs as unknown[]).entries()) {
    const where = `inputs[${i}]`;
    if (!t || typeof t !== "object") throw new AppError("INVALID_INPUT", `${where} must be an object.`, { field: where });
    const { name, shape, datatype, data, parameters } = t as { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown; parameters?: { binary_data_size?: unknown } };
    if (typeof name !== "string") throw new AppError("INVALID_INPUT", `${where}.name must be a string.`, { field: where });
    const kind = kinds.get(name);
    if (!kind) throw new AppError("INVALID_INPUT", `Unknown input '${name}' (expected: ${[...kinds.keys()].join(", ")}).`, { field: name });
    if (Object.hasOwn(out, name)) throw new AppError("INVALID_INPUT", `Input '${name}' is given twice.`, { field: name });
    const dtype = typeof datatype === "string" ? (OIP_TO_DTYPE[datatype] as TDtype | undefined) : undefined;
    if (!dtype) throw new AppError("INVALID_INPUT", `${name}: unknown datatype ${JSON.stringify(datatype)} (one of ${Object.keys(OIP_TO_DTYPE).join(", ")}).`, { field: name });
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new AppError("INVALID_INPUT", `${name}: shape must be a list of non-negative integers.`, { field: name });
    const binarySize = parameters && typeof parameters === "object" ? parameters.binary_data_size : undefined;
    if (binarySize !== undefined) {
      if (data !== undefined) throw new AppError("INVALID_INPUT", `${name}: give either data or parameters.binary_data_size, not both.`, { field: name });
      out[name] = fromBinary(name, kind, dtype, shape as number[], binary.take(binarySize, name));
      continue;
    }
    if (!Array.isArray(data)) throw new AppError("INVALID_INPUT", `${name}: data must be an array (or send it as binary data with parameters.binary_data_size).`, { field: name });
    const flat = (data as unknown[]).flat(Infinity);
    if (kind.kind === "tensor") {
      out[name] = { dtype, shape, data: flat };
    } else if (dtype === "string") {
      // BYTES for a non-tensor input: one element holding the value (JSON text for JSON inputs).
      const text = flat[0];
      if (typeof text !== "string") throw new AppError("INVALID_INPUT", `${name}: BYTES data must hold a string.`, { field: name });
      out[name] = fromText(name, kind, text);
    } else out[name] = flat.length === 1 ? flat[0] : flat;
  }
  binary.finish();
  assertJsonDepth(out, "The inputs"); // JSON text in BYTES elements
  return { ...out };
}

/** An input sent as binary data: a tensor as is; BYTES for other kinds is one element (an image file's bytes, text, JSON text). */
function fromBinary(name: string, kind: TKind, dtype: TDtype, shape: number[], bytes: Buffer): unknown {
  if (kind.kind !== "tensor" && dtype === "string") {
    const [first, ...rest] = splitBytesElements(bytes, name);
    if (!first || rest.length) throw new AppError("INVALID_INPUT", `${name}: a ${kind.kind} input takes exactly one BYTES element.`, { field: name });
    if (kind.kind === "image") return new Uint8Array(first);
    return fromText(name, kind, first.toString("utf8"));
  }
  const t = tensorFromBytes(dtype, shape, bytes, name);
  if (kind.kind === "tensor") return t;
  const flat = t.dtype === "string" ? (t.data as string[]) : Array.from(t.data as ArrayLike<number | bigint>, (v) => (typeof v === "bigint" ? Number(v) : v));
  const values = t.dtype === "bool" ? flat.map((v) => v === 1) : t.dtype === "float16" ? Array.from({ length: flat.length }, (_, k) => readNumber(t, k)) : flat;
  return values.length === 1 ? values[0] : values;
}

function fromText(name: string, kind: TKind, text: string): unknown {
  if (kind.kind === "string" || kind.kind === "image") return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("INVALID_INPUT", `${name}: expected JSON text in the BYTES element.`, { field: name, expected: "JSON" });
  }
}

/** Which outputs the request wants, and which of them as binary data (`binary_data` on an output overrides `binary_data_output`). */
function requestedOutputs(body: Record<string, unknown>): { names: Set<string> | null; binary(name: string): boolean } {
  const all = (body.parameters as { binary_data_output?: unknown } | undefined)?.binary_data_output === true;
  const list = Array.isArray(body.outputs) ? (body.outputs as { name?: unknown; parameters?: { binary_data?: unknown } }[]) : null;
  const perOutput = new Map<string, unknown>((list ?? []).map((o) => [String(o?.name), o?.parameters?.binary_data]));
  return {
    names: list ? new Set(perOutput.keys()) : null,
    binary: (name) => {
      const own = perOutput.get(name);
      return typeof own === "boolean" ? own : all;
    },
  };
}

/** An output's bytes for the binary section: tensors from the engine's typed data (exact, NaN and FP16 included). */
function outputBytes(out: TOipOutput, value: unknown): Buffer {
  if (out.datatype === "BYTES") return joinBytesElements(out.data.map((d) => Buffer.from(typeof d === "string" ? d : JSON.stringify(d), "utf8")));
  if (isTensor(value)) return tensorBytes(value);
  if (out.datatype === "BOOL") return Buffer.from([value ? 1 : 0]);
  if (out.datatype === "INT64") return Buffer.from(BigInt64Array.of(BigInt(Math.trunc(Number(value)))).buffer);
  return Buffer.from(Float64Array.of(Number(value)).buffer);
}

function sendBinary(res: ServerResponse, header: unknown, chunks: Buffer[]): void {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const body = Buffer.concat([json, ...chunks]);
  res.writeHead(200, { "content-type": "application/octet-stream", "inference-header-content-length": String(json.length), "content-length": body.length, "cache-control": "no-store" });
  res.end(body);
}

interface TOipOutput {
  name: string;
  datatype: string;
  shape: number[];
  data: TJson[];
  parameters?: Record<string, unknown>;
}

function encodeOutput(name: string, v: TJson, kind: TKind | undefined): TOipOutput {
  // JSON-kind outputs are always JSON text, whatever value they hold this time.
  const asJson = (): TOipOutput => ({ name, datatype: "BYTES", shape: [1], data: [JSON.stringify(v)], parameters: { content_type: "application/json" } });
  if (!kind || kind.kind === "json" || kind.kind === "any" || kind.kind === "list") return asJson();
  if (v && typeof v === "object" && !Array.isArray(v) && "dtype" in v && "shape" in v && "data" in v) {
    return { name, datatype: DTYPE_TO_OIP[String(v.dtype)] ?? "BYTES", shape: v.shape as number[], data: v.data as TJson[] };
  }
  // Numbers keep their datatype when they are NaN or ±Infinity (then "NaN", "Infinity", "-Infinity" in JSON).
  if (kind.kind === "number" || kind.kind === "integer") return { name, datatype: kind.kind === "number" ? "FP64" : "INT64", shape: [1], data: [v] };
  if (typeof v === "boolean") return { name, datatype: "BOOL", shape: [1], data: [v] };
  if (typeof v === "string") return { name, datatype: "BYTES", shape: [1], data: [v] };
  return asJson();
}
