import { z } from "zod";
import type { TKind } from "../../engine/types/kinds.ts";
import { AppError } from "../../errors.ts";
import type { DatasetFormat } from "../../db/generated/enums.ts";

/**
 * How a dataset's rows become a pipeline's inputs: for each input, where its value comes from.
 *   "col" or {column: "col"}   a CSV column / a JSONL record's key
 *   {value: <JSON>}           the same value for every row
 *   {file: true}              zip datasets: the entry's bytes (images, audio)
 *   {fields: {k: source}}     an object built from columns (a record input such as iris' `flower`)
 */
const ZLeaf = z.union([z.string().min(1).max(256).transform((column) => ({ column })), z.strictObject({ column: z.string().min(1).max(256) }), z.strictObject({ value: z.json() })]);
const ZSource = z.union([ZLeaf, z.strictObject({ file: z.literal(true) }), z.strictObject({ fields: z.record(z.string().min(1).max(256), ZLeaf) })]);
export const ZMapping = z.record(z.string().min(1).max(256), ZSource);

export type TMapping = z.output<typeof ZMapping>;
export type TMappingInput = z.input<typeof ZMapping>;
type TLeaf = z.output<typeof ZLeaf>;

export interface TPipelineInput {
  name: string;
  kind: TKind;
  required: boolean;
}

/** Parses a mapping given as JSON (text or value); refuses with MAPPING_INVALID naming the problem. */
export function parseMapping(raw: unknown): TMapping {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new AppError("MAPPING_INVALID", `The mapping is not valid JSON: ${(e as Error).message}`);
    }
  }
  const r = ZMapping.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new AppError("MAPPING_INVALID", `Bad mapping at ${i.path.join(".") || "(root)"}: ${i.message}`, { issues: r.error.issues.map((x) => ({ path: x.path.join("."), message: x.message })) });
  }
  return r.data;
}

/**
 * The mapping used when none is given: zip → the one file input gets the file; JSONL → each input reads the
 * record's key of its name; CSV → each input the column of its name, and a lone json input left over gets a
 * record of the columns no input took (iris: four measurement columns → `flower`).
 */
export function defaultMapping(format: DatasetFormat, columns: readonly string[], inputs: readonly TPipelineInput[]): TMapping {
  if (format === "zip") {
    const files = inputs.filter((i) => i.kind.kind === "image" || i.kind.kind === "any");
    const target = inputs.length === 1 ? inputs[0] : files.length === 1 ? files[0] : undefined;
    if (!target) throw new AppError("MAPPING_INVALID", `A zip dataset feeds one file input; this pipeline has ${inputs.map((i) => `'${i.name}'`).join(", ") || "none"}: give a mapping with {"<input>": {"file": true}}.`);
    return { [target.name]: { file: true } };
  }
  if (format === "jsonl") return Object.fromEntries(inputs.map((i) => [i.name, { column: i.name }]));
  const mapping: TMapping = {};
  const used = new Set<string>();
  for (const i of inputs) {
    if (columns.includes(i.name)) {
      mapping[i.name] = { column: i.name };
      used.add(i.name);
    }
  }
  const left = inputs.filter((i) => !(i.name in mapping));
  const rest = columns.filter((c) => !used.has(c));
  if (left.length === 1 && (left[0]!.kind.kind === "json" || left[0]!.kind.kind === "any") && rest.length) {
    mapping[left[0]!.name] = { fields: Object.fromEntries(rest.map((c) => [c, { column: c }])) };
  }
  return mapping;
}

/** Checks a mapping against the pipeline's inputs and the dataset's columns (CSV: every column must exist). */
export function checkMapping(mapping: TMapping, format: DatasetFormat, columns: readonly string[], inputs: readonly TPipelineInput[]): void {
  const names = new Set(inputs.map((i) => i.name));
  for (const input of Object.keys(mapping)) {
    if (!names.has(input)) throw new AppError("MAPPING_INVALID", `The pipeline has no input '${input}' (inputs: ${[...names].join(", ") || "none"}).`, { input });
  }
  const missing = inputs.filter((i) => i.required && !(i.name in mapping)).map((i) => i.name);
  if (missing.length) throw new AppError("MAPPING_INVALID", `Required input${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")} ${missing.length > 1 ? "are" : "is"} not mapped to a column.`, { inputs: missing });
  const leaves: [string, TLeaf][] = [];
  for (const [input, source] of Object.entries(mapping)) {
    if ("file" in source) {
      if (format !== "zip") throw new AppError("MAPPING_INVALID", `Input '${input}' maps to {"file": true}, which only zip datasets have.`, { input });
    } else if ("fields" in source) leaves.push(...Object.values(source.fields).map((l) => [input, l] as [string, TLeaf]));
    else leaves.push([input, source]);
  }
  for (const [input, leaf] of leaves) {
    if (!("column" in leaf)) continue;
    if (format === "zip") throw new AppError("MAPPING_INVALID", `Input '${input}' maps to column '${leaf.column}', but a zip dataset has no columns (use {"file": true} or {"value": …}).`, { input });
    if (format === "csv" && !columns.includes(leaf.column)) throw new AppError("MAPPING_INVALID", `Input '${input}' maps to column '${leaf.column}', which the dataset does not have (columns: ${columns.join(", ")}).`, { input, column: leaf.column });
  }
}

/** One stored record of a dataset chunk (see ingest-dataset.ts). */
export type TRecord = string[] | Record<string, unknown> | { name: string; offset: number; length: number };

/**
 * A row's inputs, ready for the engine's own coercion (coerce-input.ts, run by execute()). CSV cells are text:
 * each becomes the JSON value its input's kind reads (numbers, booleans, JSON for tensors/lists/json), or stays
 * text — a value the kind cannot take is then refused by the engine as INVALID_INPUT naming the input. An empty
 * cell is a missing value (except for string inputs).
 */
export function mapRecord(mapping: TMapping, format: DatasetFormat, columns: readonly string[], inputs: readonly TPipelineInput[], record: TRecord, file?: Uint8Array): Record<string, unknown> {
  const kinds = new Map(inputs.map((i) => [i.name, i.kind]));
  const index = format === "csv" ? new Map(columns.map((c, i) => [c, i])) : null;
  const read = (leaf: TLeaf, kind: TKind | null): unknown => {
    if ("value" in leaf) return leaf.value;
    if (index) {
      const cell = (record as string[])[index.get(leaf.column) ?? -1];
      return cell === undefined ? undefined : kind ? cellToValue(cell, kind) : inferScalar(cell);
    }
    return (record as Record<string, unknown>)[leaf.column];
  };
  const out: Record<string, unknown> = {};
  for (const [input, source] of Object.entries(mapping)) {
    let v: unknown;
    if ("file" in source) v = file;
    else if ("fields" in source) v = Object.fromEntries(Object.entries(source.fields).map(([k, l]) => [k, read(l, null)]).filter(([, x]) => x !== undefined));
    else v = read(source, kinds.get(input) ?? { kind: "any" });
    if (v !== undefined) out[input] = v;
  }
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function cellToValue(cell: string, kind: TKind): unknown {
  if (kind.kind === "string") return cell;
  if (cell === "") return undefined;
  switch (kind.kind) {
    case "number":
    case "integer":
      return NUMBER.test(cell.trim()) ? Number(cell) : cell;
    case "boolean": {
      const t = cell.trim().toLowerCase();
      return t === "true" || t === "1" ? true : t === "false" || t === "0" ? false : cell;
    }
    case "image":
      return cell; // base64 or a data URL
    default:
      return inferScalar(cell);
  }
}

/** A cell for a kind that takes JSON: JSON arrays/objects parsed, numbers and booleans as such, else the text. */
function inferScalar(cell: string): unknown {
  const t = cell.trim();
  if (t === "") return null;
  if (NUMBER.test(t)) return Number(t);
  if (t === "true" || t === "false") return t === "true";
  if (t.startsWith("[") || t.startsWith("{")) {
    try {
      return JSON.parse(t);
    } catch {
      return cell;
    }
  }
  return cell;
}
