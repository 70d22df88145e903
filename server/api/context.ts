import type { IncomingMessage, ServerResponse } from "node:http";
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from "../auth/session-token.ts";
import type { TPrisma } from "../db/client.ts";
import type { BatchQueue } from "../services/batches/job-queue.ts";
import type { TActor } from "../services/context.ts";
import type { TEngineDeps } from "../services/runs/engine-deps.ts";
import { resolveSession, type TSessionConfig } from "../services/auth/sessions.ts";
import { SignInLimiter } from "../services/auth/sign-in-limiter.ts";
import { env } from "../env.ts";
import { modelFilesFromEnv, type TModelFilesConfig } from "../services/models/model-files.ts";

export interface TAppContext {
  db: TPrisma;
  user: TActor | null;
  sessionId: string | null;
  sessionConfig: TSessionConfig;
  engine: TEngineDeps;
  /** Where model files go (installing the examples uploads models). */
  modelFiles: TModelFilesConfig;
  /** Tells the serving path that keys or aliases changed (its caches refresh at once in this process). */
  servingChanged(): void;
  /** The batch job queue; null where batches are not set up (their procedures answer NOT_READY). */
  batches: BatchQueue | null;
  /** Set or clear the session cookie on the response. */
  setSession(token: string, maxAgeSeconds: number): void;
  clearSession(): void;
  /** The caller's address (the socket's; X-Forwarded-For's last hop with TRUST_PROXY=1); null when unknown. */
  clientAddress: string | null;
  /** Sign-in's brute-force guard (per account and per address). */
  signInLimiter: SignInLimiter;
  /** Sets a response header (Retry-After on refusals); a no-op without a response. */
  setHeader(name: string, value: string): void;
}

export interface TContextDeps {
  db: TPrisma;
  sessionConfig: TSessionConfig;
  engine: TEngineDeps;
  modelFiles?: TModelFilesConfig;
  secureCookies: boolean;
  servingChanged?: () => void;
  batches?: BatchQueue | null;
  /** Omitted: one per process, from SIGN_IN_* settings. */
  signInLimiter?: SignInLimiter;
  /** Take the client address from X-Forwarded-For (behind a reverse proxy); omitted: TRUST_PROXY. */
  trustProxy?: boolean;
}

let processLimiter: SignInLimiter | undefined;
function defaultSignInLimiter(): SignInLimiter {
  const e = env();
  return (processLimiter ??= new SignInLimiter({ perAccount: e.SIGN_IN_MAX_FAILURES, perAddress: e.SIGN_IN_MAX_FAILURES_PER_ADDRESS, windowSeconds: e.SIGN_IN_WINDOW_MINUTES * 60 }));
}

/**
 * The client's address: the socket's peer, or — only when the proxy in front is trusted — the last
 * X-Forwarded-For entry (the address the proxy itself saw; earlier entries are whatever the client sent).
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string | null {
  const forwarded = trustProxy ? req.headers["x-forwarded-for"] : undefined;
  const last = (Array.isArray(forwarded) ? forwarded.join(",") : forwarded)?.split(",").pop()?.trim();
  const address = last || req.socket?.remoteAddress || null;
  return address?.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** Builds the tRPC context from a node:http request: resolves the session cookie to a user. */
export async function createContextFromNode(deps: TContextDeps, req: IncomingMessage, res: ServerResponse | null): Promise<TAppContext> {
  const token = readCookie(req.headers.cookie, SESSION_COOKIE);
  const session = await resolveSession(deps.db, token, deps.sessionConfig);
  return {
    db: deps.db,
    user: session?.user ?? null,
    sessionId: session?.sessionId ?? null,
    sessionConfig: deps.sessionConfig,
    engine: deps.engine,
    modelFiles: deps.modelFiles ?? modelFilesFromEnv(),
    servingChanged: deps.servingChanged ?? (() => {}),
    batches: deps.batches ?? null,
    setSession: (t, maxAge) => res?.appendHeader("Set-Cookie", sessionCookie(t, maxAge, deps.secureCookies)),
    clearSession: () => res?.appendHeader("Set-Cookie", clearedSessionCookie(deps.secureCookies)),
    clientAddress: clientAddress(req, deps.trustProxy ?? env().TRUST_PROXY === "1"),
    signInLimiter: deps.signInLimiter ?? defaultSignInLimiter(),
    setHeader: (name, value) => void (res && !res.headersSent && res.setHeader(name, value)),
  };
}
