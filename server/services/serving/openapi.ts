import type { TPrisma } from "../../db/client.ts";
import type { TKind } from "../../engine/types/kinds.ts";
import { RunnableResolver, type TRunTarget } from "../runs/runnable-resolver.ts";
import { AppError } from "../../errors.ts";

type TSchema = Record<string, unknown>;

const DTYPE_ENUM = ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool", "string"];

/** JSON Schema (2020-12, as OpenAPI 3.1 uses) of a value of this kind as the API accepts/returns it. */
export function kindSchema(k: TKind, direction: "input" | "output"): TSchema {
  switch (k.kind) {
    case "number":
      return floatSchema(direction);
    case "integer":
      return { type: "integer" };
    case "string":
      return { type: "string" };
    case "boolean":
      return { type: "boolean" };
    case "image":
      return direction === "input"
        ? { type: "string", description: "An image (PNG, JPEG or WebP) as base64 or a data: URL; or a file part in multipart/form-data." }
        : { type: "string", description: "PNG as a data: URL" };
    case "list":
      return { type: "array", items: kindSchema(k.of, direction) };
    case "json":
    case "any":
      return {};
    case "tensor": {
      const dtype = k.dtype === "any" ? { type: "string", enum: DTYPE_ENUM } : { const: k.dtype };
      const shapeText = k.shape ? `[${k.shape.map((d) => (d === null ? "?" : d)).join(", ")}]` : "any shape";
      const explicit: TSchema = {
        type: "object",
        required: direction === "input" ? ["data"] : ["dtype", "shape", "data"],
        properties: {
          dtype,
          shape: { type: "array", items: { type: "integer", minimum: 0 }, ...(k.shape ? { minItems: k.shape.length, maxItems: k.shape.length } : {}) },
          data: { type: "array", description: "Row-major values", items: elementSchema(k.dtype, direction) },
        },
      };
      if (direction === "output") return { ...explicit, description: `Tensor ${k.dtype} ${shapeText}` };
      return { description: `Tensor ${k.dtype} ${shapeText}: nested arrays, or {dtype, shape, data}${isFloat(k.dtype) ? NON_FINITE_TEXT : ""}`, oneOf: [nestedArray(k.shape?.length, elementSchema(k.dtype, direction)), explicit] };
    }
  }
}

const NON_FINITE_TEXT = '. NaN and ±Infinity, which JSON cannot hold, are the strings "NaN", "Infinity" and "-Infinity"';

function isFloat(dtype: string): boolean {
  return dtype === "float32" || dtype === "float64" || dtype === "float16" || dtype === "any";
}

/** A float as JSON: a number, or one of the strings for NaN/±Infinity (inputs also take null as NaN). */
function floatSchema(direction: "input" | "output"): TSchema {
  const special: TSchema = { type: "string", enum: ["NaN", "Infinity", "-Infinity"] };
  return { oneOf: [{ type: "number" }, special, ...(direction === "input" ? [{ type: "null", description: "NaN" }] : [])], description: `A number${NON_FINITE_TEXT}${direction === "input" ? " (null is NaN too)" : ""}.` };
}

function elementSchema(dtype: string, direction: "input" | "output"): TSchema {
  if (dtype === "string") return { type: "string" };
  if (dtype === "bool") return direction === "input" ? { type: ["boolean", "integer"] } : { type: "boolean" };
  if (dtype === "any") return { type: ["number", "string", "boolean", ...(direction === "input" ? ["null"] : [])] };
  if (isFloat(dtype)) return floatSchema(direction);
  // 64-bit integers beyond 2^53 come back as decimal strings.
  if (dtype === "int64" || dtype === "uint64") return direction === "input" ? { type: "integer" } : { type: ["integer", "string"] };
  return { type: "integer" };
}

function nestedArray(rank: number | undefined, element: TSchema): TSchema {
  if (rank === undefined) return { type: "array" };
  let s: TSchema = element;
  for (let i = 0; i < rank; i++) s = { type: "array", items: s };
  return s;
}

const PROBLEM: TSchema = {
  type: "object",
  description: "RFC 9457 problem details",
  required: ["type", "title", "status", "code"],
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    code: { type: "string", description: "Stable Inferline error code" },
    invocation_id: { type: "string", format: "uuid" },
    node: { type: "string", description: "The node that failed (422)" },
    field: { type: "string", description: "The input that was wrong (400)" },
  },
};

function problemResponses(): Record<string, unknown> {
  const r = (description: string) => ({ description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } });
  return {
    "400": r("An input is missing or has the wrong type, dtype or shape"),
    "401": r("No valid API key"),
    "403": r("The key may not call this pipeline"),
    "404": r("No such pipeline, alias or version"),
    "413": r("The body is over the size limit"),
    "415": r("Unsupported Content-Type or Content-Encoding"),
    "422": r("A node failed while running"),
    "429": { ...r("Rate limit or queue full; see Retry-After"), headers: { "Retry-After": { schema: { type: "integer" } } } },
    "503": r("Not ready (database unavailable)"),
    "504": r("The pipeline took longer than its deadline"),
  };
}

interface TPipelineContract {
  slug: string;
  name: string;
  description: string;
  version: number | null;
  inputs: { name: string; kind: TKind; required: boolean }[];
  outputs: { name: string; kind: TKind }[];
}

function pathFor(slug: string, target: TRunTarget): string {
  if ("version" in target) return `/api/v1/pipelines/${slug}/versions/${target.version}/invoke`;
  const alias = "alias" in target ? target.alias : "production";
  return alias === "production" ? `/api/v1/pipelines/${slug}/invoke` : `/api/v1/pipelines/${slug}@${alias}/invoke`;
}

function operation(c: TPipelineContract): Record<string, unknown> {
  const inputSchema: TSchema = {
    type: "object",
    additionalProperties: false,
    required: c.inputs.filter((i) => i.required).map((i) => i.name),
    properties: Object.fromEntries(c.inputs.map((i) => [i.name, kindSchema(i.kind, "input")])),
  };
  const outputSchema: TSchema = {
    type: "object",
    required: ["invocation_id", "pipeline", "version", "outputs"],
    properties: {
      invocation_id: { type: "string", format: "uuid" },
      pipeline: { type: "string", const: c.slug },
      version: { type: "integer" },
      outputs: { type: "object", required: c.outputs.map((o) => o.name), properties: Object.fromEntries(c.outputs.map((o) => [o.name, kindSchema(o.kind, "output")])) },
      duration_ms: { type: "number" },
      trace: { type: "array", items: { type: "object" } },
    },
  };
  return {
    operationId: `invoke_${c.slug.replaceAll("-", "_")}`,
    summary: `Run ${c.name}`,
    description: c.description || `Runs the pipeline '${c.slug}'.`,
    parameters: [{ name: "trace", in: "query", required: false, description: "1 adds per-node timings", schema: { type: "string", enum: ["1"] } }],
    requestBody: {
      required: true,
      content: {
        "application/json": { schema: inputSchema },
        "multipart/form-data": { schema: { type: "object", properties: Object.fromEntries(c.inputs.map((i) => [i.name, i.kind.kind === "image" ? { type: "string", format: "binary" } : { type: "string" }])) } },
      },
    },
    responses: { "200": { description: "The pipeline's outputs", content: { "application/json": { schema: outputSchema } } }, ...problemResponses() },
  };
}

function document(title: string, description: string, version: string, baseUrl: string, paths: Record<string, unknown>): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title, description, version },
    servers: [{ url: baseUrl }],
    security: [{ bearer: [] }, { apiKeyHeader: [] }],
    paths,
    components: {
      schemas: { Problem: PROBLEM },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An Inferline API key: Authorization: Bearer il_…" },
        apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key" },
      },
    },
  };
}

async function contract(db: TPrisma, resolver: RunnableResolver, slug: string, target: TRunTarget): Promise<TPipelineContract> {
  const r = await resolver.resolve(slug, target);
  if (!r.compiled.plan) throw new AppError("INVALID_PIPELINE", `Version ${r.version} of '${slug}' does not compile, so it has no API contract.`, { slug, version: r.version });
  const p = await db.pipeline.findUniqueOrThrow({ where: { slug }, select: { name: true, description: true } });
  return {
    slug,
    name: p.name,
    description: p.description,
    version: r.version,
    inputs: r.compiled.plan.inputs.map((i) => ({ name: i.name, kind: i.kind, required: i.required })),
    outputs: r.compiled.plan.outputs.map((o) => ({ name: o.name, kind: o.kind })),
  };
}

/** OpenAPI 3.1 for one pipeline version (or what an alias points at), generated from its inputs and outputs. */
export async function openApiForPipeline(db: TPrisma, resolver: RunnableResolver, slug: string, target: TRunTarget, baseUrl: string) {
  const c = await contract(db, resolver, slug, target);
  return document(`${c.name} (${slug})`, c.description, String(c.version ?? "draft"), baseUrl, { [pathFor(slug, target)]: { post: operation(c) } });
}

/** One document for every pipeline with a `production` alias. */
export async function combinedOpenApi(db: TPrisma, baseUrl: string) {
  const resolver = new RunnableResolver(db);
  const published = await db.pipeline.findMany({ where: { archived: false, aliases: { some: { name: "production" } } }, select: { slug: true }, orderBy: { slug: "asc" } });
  const paths: Record<string, unknown> = {};
  for (const { slug } of published) {
    try {
      const c = await contract(db, resolver, slug, { alias: "production" });
      paths[pathFor(slug, { alias: "production" })] = { post: operation(c) };
    } catch {
      // A production version that no longer compiles is left out rather than failing the whole document.
    }
  }
  return document("Inferline pipelines", "Every published pipeline (its `production` alias).", "1", baseUrl, paths);
}
