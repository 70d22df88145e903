const dateTime = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });
const full = new Intl.DateTimeFormat("en", { dateStyle: "full", timeStyle: "long" });

/** Dates cross tRPC as ISO strings (no transformer); accept both. */
export function formatDateTime(value: string | Date | null | undefined): string {
  if (!value) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  return Number.isNaN(d.getTime()) ? "—" : dateTime.format(d);
}

export function formatFull(value: string | Date | null | undefined): string | undefined {
  if (!value) return undefined;
  const d = typeof value === "string" ? new Date(value) : value;
  return Number.isNaN(d.getTime()) ? undefined : full.format(d);
}

export function toIso(value: string | Date): string {
  return typeof value === "string" ? value : value.toISOString();
}

/** "sha256:9f86d081884c…" → "9f86d081884c". */
export function shortHash(hash: string): string {
  const hex = hash.includes(":") ? hash.slice(hash.indexOf(":") + 1) : hash;
  return hex.slice(0, 12);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function initials(name: string, email: string): string {
  const source = name.trim() || email;
  const parts = source.split(/[\s@._-]+/).filter(Boolean);
  const letters = (parts.length > 1 ? [parts[0], parts[1]] : [source.slice(0, 2)]).map((p) => (p ?? "").charAt(0)).join("");
  return letters.toUpperCase() || "?";
}
