import { formatKind } from "./kinds";
import type { TKind, TParams, TTraceEntry } from "./types";

/** One line under a node's title saying what it is configured to do. */
export function paramSummary(type: string, params: TParams): string | null {
  const p = params as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  if (type.startsWith("io/input@")) return `${String(p.name || "?")}: ${p.kind ? formatKind(p.kind as TKind) : "json"}`;
  if (type.startsWith("io/output@")) return String(p.name || "?");
  if (type.startsWith("model/onnx@")) return p.model ? `${String(p.model)} v${String(p.version ?? "?")}` : "No model chosen";
  if (type.startsWith("logic/pipeline@")) return p.pipeline ? `${String(p.pipeline)}${p.version !== undefined ? ` v${String(p.version)}` : `@${String(p.alias ?? "?")}`}` : "No pipeline chosen";
  if (type.startsWith("tabular/features@")) return `${list(p.fields).length} fields`;
  if (type.startsWith("tabular/standard-scale@")) return `${list(p.mean).length} features`;
  if (type.startsWith("post/top-k@")) return `k = ${String(p.k ?? 5)}${p.labels ? ` · ${list(p.labels).length} labels` : ""}`;
  if (type.startsWith("tensor/cast@")) return p.to ? `→ ${String(p.to)}` : null;
  if (type.startsWith("logic/ensemble@")) return `${String(p.method ?? "mean")} of ${String(p.count ?? 2)}`;
  return null;
}

type TSummary = NonNullable<TTraceEntry["outputs"]>[string];

/** "float32[1,3] 0.01…0.98" — a node's output at a glance. */
export function valuePreview(s: TSummary | undefined): string {
  if (!s) return "";
  const v = s as { type: string; dtype?: string; shape?: number[]; min?: number; max?: number; preview?: unknown; length?: number };
  switch (v.type) {
    case "tensor":
      return `${v.dtype}[${(v.shape ?? []).join(",")}]${v.min !== undefined ? ` ${fmt(v.min)}…${fmt(v.max)}` : ""}`;
    case "list":
      return `list of ${v.length}`;
    case "skipped":
      return "skipped";
    case "json":
      return String(v.preview).slice(0, 48);
    default:
      return JSON.stringify(v.preview)?.slice(0, 48) ?? "";
  }
}

export function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return "–";
  const a = Math.abs(n);
  if (a !== 0 && (a < 0.001 || a >= 1e5)) return n.toExponential(2);
  return String(Math.round(n * 1000) / 1000);
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}
