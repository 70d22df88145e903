import type { IncomingMessage, ServerResponse } from "node:http";
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from "../auth/session-token.ts";
import type { TPrisma } from "../db/client.ts";
import type { BatchQueue } from "../services/batches/job-queue.ts";
import type { TActor } from "../services/context.ts";
import type { TEngineDeps } from "../services/runs/engine-deps.ts";
import { resolveSession, type TSessionConfig } from "../services/auth/sessions.ts";
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
}

export interface TContextDeps {
  db: TPrisma;
  sessionConfig: TSessionConfig;
  engine: TEngineDeps;
  modelFiles?: TModelFilesConfig;
  secureCookies: boolean;
  servingChanged?: () => void;
  batches?: BatchQueue | null;
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
  };
}
