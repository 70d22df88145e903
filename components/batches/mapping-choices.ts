/**
 * The batch form's column mapping as the user picks it (one choice per pipeline input), and its translation to
 * and from the mapping the server takes (server/services/batches/mapping.ts). Pure functions: tested in
 * test/components/batch-mapping.test.ts.
 */

export type TMappingChoice = { type: "none" } | { type: "file" } | { type: "record" } | { type: "column"; column: string };

type TLeaf = { column: string } | { value: unknown };
export type TMapping = Record<string, TLeaf | { file: true } | { fields: Record<string, TLeaf> }>;

interface TInput {
  name: string;
  required: boolean;
}

/** The dataset format from a file name (what the upload route is told). */
export function datasetFormat(name: string): "csv" | "jsonl" | "zip" | null {
  const ext = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase();
  return ext === "csv" ? "csv" : ext === "jsonl" || ext === "ndjson" ? "jsonl" : ext === "zip" ? "zip" : null;
}

/** The form's choices from the server's suggested mapping (null: nothing mapped). */
export function choicesFromMapping(mapping: unknown, inputs: readonly TInput[]): Record<string, TMappingChoice> {
  const m = (mapping && typeof mapping === "object" ? mapping : {}) as Record<string, unknown>;
  const out: Record<string, TMappingChoice> = {};
  for (const i of inputs) {
    const s = m[i.name] as Record<string, unknown> | string | undefined;
    if (typeof s === "string") out[i.name] = { type: "column", column: s };
    else if (s && typeof s.column === "string") out[i.name] = { type: "column", column: s.column };
    else if (s && s.file === true) out[i.name] = { type: "file" };
    else if (s && s.fields) out[i.name] = { type: "record" };
    else out[i.name] = { type: "none" };
  }
  return out;
}

/**
 * The server mapping from the form's choices. "A record of the other columns" takes every column no input
 * takes directly (iris: the four measurements become `flower`). Null when two inputs want the record (ambiguous).
 */
export function mappingFromChoices(choices: Record<string, TMappingChoice>, inputs: readonly TInput[], columns: readonly string[]): TMapping | null {
  const mapping: TMapping = {};
  const direct = new Set<string>();
  for (const i of inputs) {
    const c = choices[i.name];
    if (c?.type === "column") direct.add(c.column);
  }
  const records = inputs.filter((i) => choices[i.name]?.type === "record");
  if (records.length > 1) return null;
  for (const i of inputs) {
    const c = choices[i.name] ?? { type: "none" };
    if (c.type === "column") mapping[i.name] = { column: c.column };
    else if (c.type === "file") mapping[i.name] = { file: true };
    else if (c.type === "record") {
      const rest = columns.filter((col) => !direct.has(col));
      if (!rest.length) return null;
      mapping[i.name] = { fields: Object.fromEntries(rest.map((col) => [col, { column: col }])) };
    }
  }
  return mapping;
}

/** "alias:production" | "version:3" ⇄ the batch target. */
export function parseTarget(value: string): { alias: string } | { version: number } {
  return value.startsWith("alias:") ? { alias: value.slice(6) } : { version: Number(value.slice(8)) };
}
export function targetValue(t: { alias: string } | { version: number }): string {
  return "alias" in t ? `alias:${t.alias}` : `version:${t.version}`;
}

/** 42 → "42 s", 150 → "2 min 30 s", 7300 → "2 h 2 min". */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ""}`;
}
