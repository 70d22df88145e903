/** Small formatting helpers for the invocation log (no React). */

const stamp = new Intl.DateTimeFormat("en", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/** "Nov 30, 04:59:12": log rows need seconds. */
export function formatStamp(value: string | Date): string {
  const d = typeof value === "string" ? new Date(value) : value;
  return Number.isNaN(d.getTime()) ? "—" : stamp.format(d);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** "v3", "production → v3", or "draft". */
export function versionLabel(row: { versionNumber: number | null; alias: string | null }): string {
  if (row.versionNumber === null) return "draft";
  return row.alias ? `${row.alias} → v${row.versionNumber}` : `v${row.versionNumber}`;
}

type TSummary = { type?: string; [k: string]: unknown };

/** One line per node output from its value summary (tensor shape/stats, previews, image size…). */
export function summaryText(s: unknown): string {
  if (!s || typeof s !== "object") return JSON.stringify(s) ?? "";
  const v = s as TSummary;
  switch (v.type) {
    case "tensor": {
      const shape = Array.isArray(v.shape) ? `[${(v.shape as number[]).join("×")}]` : "";
      const stats = typeof v.min === "number" && typeof v.max === "number" ? ` min ${num(v.min)} max ${num(v.max)}` : "";
      const preview = Array.isArray(v.preview) ? ` ${JSON.stringify((v.preview as unknown[]).slice(0, 4))}` : "";
      return `${String(v.dtype ?? "tensor")}${shape}${stats}${preview}`;
    }
    case "number":
    case "string":
    case "boolean":
    case "null":
      return `${v.type} ${JSON.stringify(v.preview)}`;
    case "list":
      return `list(${String(v.length)})`;
    case "json":
      return `json ${String(v.preview).slice(0, 60)}`;
    case "image":
      return `image ${String(v.width)}×${String(v.height)} ${String(v.colour ?? "")}`;
    case "bytes":
      return `bytes(${String(v.length)})`;
    case "skipped":
      return "skipped";
    default:
      return JSON.stringify(v).slice(0, 80);
  }
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(3);
}
