import type { IncomingMessage, ServerResponse } from "node:http";
import type { TRoute, TRunTarget } from "../../services/runs/runnable-resolver.ts";

/** The header a caller sets to keep its own place in a canary split (a user or session id, say). */
export const ROUTE_KEY_HEADER = "x-inferline-route-key";
/** Response header naming the version that answered (useful behind an alias with a canary). */
export const VERSION_HEADER = "X-Inferline-Version";

/**
 * A request's place in an alias's canary split (runnable-resolver.ts `routeBucket`): the route key header
 * (trimmed, at most 256 characters used), else the API key's id; and one random draw for random splits.
 */
export function requestRoute(req: IncomingMessage, apiKeyId: string): TRoute {
  const header = req.headers[ROUTE_KEY_HEADER];
  const key = typeof header === "string" && header.trim() ? header.trim().slice(0, 256) : apiKeyId;
  return { key, draw: Math.random() };
}

/** Says which version answered (success or failure), when the run got that far. */
export function setVersionHeader(res: ServerResponse, version: number | null): void {
  if (version !== null && !res.headersSent) res.setHeader(VERSION_HEADER, String(version));
}

/** An alias target with the request's route attached; version targets as they are. */
export function routedTarget(target: TRunTarget, req: IncomingMessage, apiKeyId: string): TRunTarget {
  return "alias" in target ? { alias: target.alias, route: requestRoute(req, apiKeyId) } : target;
}
