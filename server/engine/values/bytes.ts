const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*?);base64,/i;
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/**
 * A binary payload (image, WAV) as bytes: raw bytes (REST multipart file parts) as they are, a string as a
 * base64 data URL or plain base64 (standard or URL-safe alphabet, whitespace ignored). Throws an Error saying
 * what was expected.
 */
export function payloadBytes(raw: unknown, what: string): Uint8Array {
  if (raw instanceof Uint8Array) return raw;
  if (typeof raw !== "string") throw new Error(`expected ${what} (base64, a data URL or a file upload), got ${raw === null ? "null" : Array.isArray(raw) ? "a list" : typeof raw}`);
  let text = raw.trim();
  const m = DATA_URL.exec(text);
  if (m) text = text.slice(m[0].length);
  else if (/^data:/i.test(text)) throw new Error("expected a base64 data URL (data:…;base64,…)");
  text = text.replace(/\s+/g, "");
  if (!BASE64.test(text)) throw new Error(`expected ${what} as base64 or a data URL; the string is not base64`);
  return Buffer.from(text, text.includes("-") || text.includes("_") ? "base64url" : "base64");
}
