import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys look like `il_<prefix>_<secret>`: `il_` makes them recognisable (secret scanners, logs), the
 * prefix (10 chars) finds the row, the secret (32 bytes, base64url) is checked against its SHA-256. Keys
 * are high-entropy, so a fast hash is right here (unlike passwords) and keeps the serving hot path cheap.
 */
export const KEY_PATTERN = /^il_([A-Za-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

export function newApiKey(): { key: string; prefix: string; secretHash: string } {
  const prefix = randomBytes(16).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 10).padEnd(10, "0");
  const secret = randomBytes(32).toString("base64url");
  return { key: `il_${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function parseApiKey(key: string): { prefix: string; secret: string } | null {
  const m = KEY_PATTERN.exec(key);
  return m ? { prefix: m[1]!, secret: m[2]! } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
