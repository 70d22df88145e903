import type { IncomingMessage } from "node:http";
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { Database } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { ApiKeyAuthenticator, type TKeyPrincipal } from "../../services/api-keys/authenticate-api-key.ts";
import type { TEngineDeps } from "../../services/runs/engine-deps.ts";
import { RunnableResolver } from "../../services/runs/runnable-resolver.ts";
import type { TBatchServing } from "./batches.ts";

export interface TServingLimits {
  /** Largest request body (also after decompression). */
  maxBodyBytes: number;
  /** Runs in progress at once; past it, up to `maxQueued` more wait, then 429. */
  maxConcurrentRuns: number;
  maxQueued: number;
}

/** Everything the published-pipeline endpoints share: keys, plan cache, limits, the engine. */
export class ServingContext {
  readonly keys: ApiKeyAuthenticator;
  readonly resolver: RunnableResolver;
  /** Batch jobs (queue + dataset limits); null = the batch endpoints answer 404. */
  batches: TBatchServing | null = null;
  readonly #limiters = new Map<number, RateLimiterMemory>();
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly db: Database,
    readonly engine: TEngineDeps,
    readonly limits: TServingLimits,
  ) {
    this.keys = new ApiKeyAuthenticator(db.prisma);
    this.resolver = new RunnableResolver(db.prisma, { ttlMs: 2_000 });
  }

  /** The API key of a request: `Authorization: Bearer <key>` or `X-API-Key`; never from the URL. */
  async authenticate(req: IncomingMessage, url: URL, slug: string): Promise<TKeyPrincipal> {
    for (const p of ["api_key", "apikey", "key", "token", "access_token"]) {
      if (url.searchParams.has(p)) throw new AppError("API_KEY_IN_URL", "API keys are not accepted in the URL (they end up in logs); send 'Authorization: Bearer <key>' or 'X-API-Key'.", { parameter: p });
    }
    const auth = req.headers.authorization;
    const bearer = auth?.toLowerCase().startsWith("bearer ") ? auth.slice(7).trim() : undefined;
    const header = req.headers["x-api-key"];
    return this.keys.authenticate(bearer ?? (typeof header === "string" ? header.trim() : undefined), slug);
  }

  /** Per-key requests-per-minute limit; throws RATE_LIMITED with the seconds to wait. */
  async consumeRate(key: TKeyPrincipal): Promise<void> {
    const rpm = key.rateLimitPerMinute;
    if (!rpm) return;
    let limiter = this.#limiters.get(rpm);
    if (!limiter) this.#limiters.set(rpm, (limiter = new RateLimiterMemory({ points: rpm, duration: 60 })));
    try {
      await limiter.consume(key.id);
    } catch (r) {
      const ms = (r as { msBeforeNext?: number }).msBeforeNext ?? 1000;
      throw new AppError("RATE_LIMITED", `API key '${key.name}' is over its limit of ${rpm} requests per minute.`, { retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) });
    }
  }

  /** Runs `fn` within the concurrency limit; a full queue is refused at once with RATE_LIMITED. */
  async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limits.maxConcurrentRuns) {
      if (this.#waiting.length >= this.limits.maxQueued) {
        throw new AppError("RATE_LIMITED", "The server is at capacity; retry shortly.", { retryAfterSeconds: 1, queued: this.#waiting.length });
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#running++;
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  /** Keys or aliases changed in this process: drop the cached copies now. */
  invalidate(): void {
    this.keys.invalidate();
    this.resolver.invalidate();
  }

  stats() {
    return { running: this.#running, queued: this.#waiting.length };
  }
}
