import type { TBadgeTone } from "@/components/ui/badge";

export type TKeyStatus = "active" | "expiring" | "expired" | "revoked";

/** A key whose expiry is this close is flagged, so its owner rotates it in time (and rotation overlaps show). */
export const EXPIRING_WITHIN_MS = 7 * 24 * 60 * 60 * 1000;

const TONES: Record<TKeyStatus, TBadgeTone> = { active: "success", expiring: "warning", expired: "neutral", revoked: "danger" };
const LABELS: Record<TKeyStatus, string> = { active: "Active", expiring: "Expiring", expired: "Expired", revoked: "Revoked" };

/** Dates arrive from tRPC as ISO strings (no transformer). */
function time(value: string | Date | null | undefined): number | null {
  if (!value) return null;
  const t = (typeof value === "string" ? new Date(value) : value).getTime();
  return Number.isNaN(t) ? null : t;
}

export function keyStatus(k: { revokedAt: string | Date | null; expiresAt: string | Date | null }, now = Date.now()): TKeyStatus {
  if (k.revokedAt) return "revoked";
  const expires = time(k.expiresAt);
  if (expires === null) return "active";
  if (expires <= now) return "expired";
  return expires - now <= EXPIRING_WITHIN_MS ? "expiring" : "active";
}

export function statusTone(s: TKeyStatus): TBadgeTone {
  return TONES[s];
}

export function statusLabel(s: TKeyStatus): string {
  return LABELS[s];
}

/** `il_ab12cd34ef_…`: the public part of a key, as the list shows it. */
export function maskedKey(prefix: string): string {
  return `il_${prefix}_…`;
}

/** "in 3 hours", "2 days ago": coarse on purpose, the exact time is in the tooltip. */
export function relativeTime(value: string | Date | null | undefined, now = Date.now()): string | null {
  const t = time(value);
  if (t === null) return null;
  const diff = t - now;
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["year", 365 * 86_400_000],
    ["month", 30 * 86_400_000],
    ["day", 86_400_000],
    ["hour", 3_600_000],
    ["minute", 60_000],
  ];
  const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  for (const [unit, ms] of units) if (abs >= ms) return rtf.format(Math.round(diff / ms), unit);
  return diff >= 0 ? "in under a minute" : "just now";
}
