/**
 * The database (jsonb) hands keys back sorted alphabetically, which puts "edges" before "nodes".
 * Show graphs in the order people read them. Key order never changes a graph's content hash (JCS).
 */
const ORDER = ["schemaVersion", "id", "type", "label", "name", "node", "port", "source", "target", "params", "nodes", "edges", "inputs", "outputs"];

function rank(key: string): number {
  const i = ORDER.indexOf(key);
  return i === -1 ? ORDER.length : i;
}

function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).sort(([a], [b]) => rank(a) - rank(b));
  // A node's params belong to the node type: keep their keys as they are.
  return Object.fromEntries(entries.map(([k, v]) => [k, k === "params" ? v : ordered(v)]));
}

export function prettyGraph(graph: unknown): string {
  return JSON.stringify(ordered(graph), null, 2);
}
