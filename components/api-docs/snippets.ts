/**
 * Copy-ready client code for a pipeline endpoint. Pure functions of (url, body): the docs page renders
 * them and the browser test runs the curl one for real. The key is never inlined: each snippet reads
 * INFERLINE_API_KEY from the environment, so a pasted snippet leaks nothing into shell history or code.
 */

export const KEY_VARIABLE = "INFERLINE_API_KEY";

export type TSnippetLanguage = "curl" | "javascript" | "python";

export const SNIPPET_LANGUAGES: { id: TSnippetLanguage; label: string }[] = [
  { id: "curl", label: "curl" },
  { id: "javascript", label: "JavaScript" },
  { id: "python", label: "Python" },
];

/** POSIX shell single-quoting: safe for any JSON (a `'` becomes `'\''`). */
function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export function curlSnippet(url: string, body: unknown): string {
  return [
    `curl -sS -X POST ${shellQuote(url)} \\`,
    `  -H "Authorization: Bearer $${KEY_VARIABLE}" \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d ${shellQuote(JSON.stringify(body, null, 2))}`,
  ].join("\n");
}

function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((l, i) => (i === 0 ? l : by + l))
    .join("\n");
}

export function javascriptSnippet(url: string, body: unknown): string {
  return `// Node 18+ or a browser (never ship the key to a browser you don't control).
const response = await fetch(${JSON.stringify(url)}, {
  method: "POST",
  headers: {
    Authorization: \`Bearer \${process.env.${KEY_VARIABLE}}\`,
    "Content-Type": "application/json",
  },
  body: JSON.stringify(${indent(JSON.stringify(body, null, 2), "  ")}),
});
const result = await response.json();
if (!response.ok) {
  // RFC 9457 problem details: a stable code, the detail, and the input field or node at fault.
  throw new Error(\`\${result.code}: \${result.detail}\`);
}
console.log(result.outputs);`;
}

/** A JSON value as a Python literal (True/False/None; strings in JSON syntax are valid Python). */
export function pythonLiteral(value: unknown, level = 0): string {
  const pad = "    ".repeat(level + 1);
  const end = "    ".repeat(level);
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "None";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) return `[${value.map((v) => pythonLiteral(v)).join(", ")}]`;
    return `[\n${value.map((v) => pad + pythonLiteral(v, level + 1)).join(",\n")},\n${end}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${pythonLiteral(v, level + 1)}`).join(",\n")},\n${end}}`;
}

export function pythonSnippet(url: string, body: unknown): string {
  return `import os

import requests

response = requests.post(
    ${JSON.stringify(url)},
    headers={"Authorization": f"Bearer {os.environ['${KEY_VARIABLE}']}"},
    json=${indent(pythonLiteral(body), "    ")},
    timeout=30,
)
result = response.json()
if not response.ok:
    # RFC 9457 problem details: a stable code, the detail, and the input field or node at fault.
    raise RuntimeError(f"{result['code']}: {result['detail']}")
print(result["outputs"])`;
}

export function snippet(language: TSnippetLanguage, url: string, body: unknown): string {
  switch (language) {
    case "curl":
      return curlSnippet(url, body);
    case "javascript":
      return javascriptSnippet(url, body);
    case "python":
      return pythonSnippet(url, body);
  }
}
