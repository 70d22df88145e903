import { createHmac, randomBytes } from "node:crypto";

/**
 * Session tokens: 32 random bytes in the cookie; the database keeps only an HMAC-SHA256 digest of the
 * token (keyed by SESSION_SECRET when set), so a database leak yields no usable cookie.
 */
export const SESSION_COOKIE = "inferline_session";

export function newSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

export function sessionIdFromToken(token: string, secret: string | undefined): string {
  return createHmac("sha256", secret ?? "inferline-session").update(token).digest("hex");
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${SESSION_COOKIE}=${token}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAgeSeconds}`, ...(secure ? ["Secure"] : [])].join("; ");
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie("", 0, secure);
}
