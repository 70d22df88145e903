import { newSessionToken, sessionIdFromToken } from "../../auth/session-token.ts";
import type { TPrisma } from "../../db/client.ts";
import type { TActor } from "../context.ts";

export interface TSessionConfig {
  secret: string | undefined;
  ttlDays: number;
}

/** Creates a session; returns the token for the cookie (never stored) and its lifetime. */
export async function createSession(db: TPrisma, userId: string, cfg: TSessionConfig) {
  const token = newSessionToken();
  const expiresAt = new Date(Date.now() + cfg.ttlDays * 86_400_000);
  await db.session.create({ data: { id: sessionIdFromToken(token, cfg.secret), userId, expiresAt } });
  return { token, maxAgeSeconds: cfg.ttlDays * 86_400 };
}

/** The user behind a session token, or null when the token is unknown or expired. */
export async function resolveSession(db: TPrisma, token: string | undefined, cfg: TSessionConfig): Promise<{ sessionId: string; user: TActor } | null> {
  if (!token || token.length > 200) return null;
  const id = sessionIdFromToken(token, cfg.secret);
  const s = await db.session.findUnique({
    where: { id },
    select: { expiresAt: true, user: { select: { id: true, email: true, name: true, role: true } } },
  });
  if (!s) return null;
  if (s.expiresAt.getTime() <= Date.now()) {
    await db.session.deleteMany({ where: { id } });
    return null;
  }
  return { sessionId: id, user: s.user };
}

export async function deleteSession(db: TPrisma, sessionId: string): Promise<void> {
  await db.session.deleteMany({ where: { id: sessionId } });
}
