/**
 * Reads what the docs page needs out of a pipeline's generated OpenAPI document (server/services/serving/
 * openapi.ts): the invoke path, the named inputs and outputs, and a placeholder body when the pipeline has
 * no saved sample. The document is the contract, so the page never re-derives it from the graph.
 */

type TSchema = Record<string, unknown>;

export interface TField {
  name: string;
  required: boolean;
  type: string;
  description: string | undefined;
  schema: TSchema;
}

export interface TContract {
  path: string;
  title: string;
  version: string;
  inputs: TField[];
  outputs: TField[];
}

function obj(x: unknown): TSchema {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as TSchema) : {};
}

/** A short human type: `number`, `array of number`, `tensor float32 [?, 4]`, `any JSON`. */
export function describeType(s: TSchema): string {
  const d = typeof s.description === "string" ? s.description : "";
  if (d.startsWith("Tensor ")) return d.split(":")[0]!.replace(/^Tensor/, "tensor");
  if (Array.isArray(s.oneOf)) return "one of several forms";
  if (typeof s.type === "string") {
    if (s.type === "array") return `array of ${describeType(obj(s.items))}`;
    if (s.type === "string" && d.startsWith("An image")) return "image";
    return s.type;
  }
  if (Array.isArray(s.type)) return s.type.join(" | ");
  if ("const" in s) return JSON.stringify(s.const);
  return "any JSON";
}

export function readContract(doc: unknown): TContract {
  const d = obj(doc);
  const paths = obj(d.paths);
  const [path, item] = Object.entries(paths)[0] ?? ["", {}];
  const post = obj(obj(item).post);
  const input = obj(obj(obj(obj(obj(post.requestBody).content)["application/json"]).schema));
  const required = new Set(Array.isArray(input.required) ? (input.required as string[]) : []);
  const okSchema = obj(obj(obj(obj(obj(obj(post.responses)["200"]).content)["application/json"]).schema));
  const outputs = obj(obj(obj(okSchema.properties).outputs).properties);
  const field = (name: string, schema: unknown, req: boolean): TField => {
    const s = obj(schema);
    return { name, required: req, type: describeType(s), description: typeof s.description === "string" ? s.description : undefined, schema: s };
  };
  return {
    path,
    title: typeof obj(d.info).title === "string" ? (obj(d.info).title as string) : "",
    version: typeof obj(d.info).version === "string" ? (obj(d.info).version as string) : "",
    inputs: Object.entries(obj(input.properties)).map(([n, s]) => field(n, s, required.has(n))),
    outputs: Object.entries(outputs).map(([n, s]) => field(n, s, true)),
  };
}

/** A value that fits the schema, to show the body's shape when there is no saved sample to copy. */
export function exampleValue(s: TSchema, depth = 0): unknown {
  if (depth > 6) return null;
  if ("const" in s) return s.const;
  if (Array.isArray(s.oneOf) && s.oneOf.length) return exampleValue(obj(s.oneOf[0]), depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "number":
    case "integer":
      return 0;
    case "boolean":
      return false;
    case "string":
      return typeof s.description === "string" && s.description.startsWith("An image") ? "data:image/png;base64,…" : "";
    case "array":
      return [exampleValue(obj(s.items), depth + 1)];
    case "object":
      return Object.fromEntries(Object.entries(obj(s.properties)).map(([k, v]) => [k, exampleValue(obj(v), depth + 1)]));
    default:
      return {};
  }
}

export function exampleBody(contract: TContract): Record<string, unknown> {
  return Object.fromEntries(contract.inputs.map((i) => [i.name, exampleValue(i.schema)]));
}
