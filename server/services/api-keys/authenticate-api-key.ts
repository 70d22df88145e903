import type { TPrisma } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { parseApiKey, secretMatches } from "./key-format.ts";

export interface TKeyPrincipal {
  id: string;
  name: string;
  pipelines: string[];
  rateLimitPerMinute: number | null;
}

interface TCached {
  row: { id: string; name: string; secretHash: string; pipelines: string[]; expiresAt: Date | null; revokedAt: Date | null; rateLimitPerMinute: number | null } | null;
  at: number;
}

/**
 * Verifies API keys for the serving hot path. Rows are cached per prefix for a few seconds, so a call
 * costs a hash and a map lookup; revocation and rotation in this process clear the cache at once, other
 * replicas see them within CACHE_MS. lastUsedAt is written at most once a minute per key, off the
 * request path.
 */
export class ApiKeyAuthenticator {
  static readonly CACHE_MS = 5_000;
  static readonly LAST_USED_EVERY_MS = 60_000;
  readonly #cache = new Map<string, TCached>();
  readonly #lastUsedWritten = new Map<string, number>();

  constructor(private readonly db: TPrisma) {}

  invalidate(): void {
    this.#cache.clear();
  }

  /** The key's principal, or UNAUTHENTICATED (missing/bad/expired/revoked) / FORBIDDEN (out of scope). */
  async authenticate(key: string | undefined, slug: string): Promise<TKeyPrincipal> {
    if (!key) throw new AppError("UNAUTHENTICATED", "An API key is required: send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.");
    const parsed = parseApiKey(key);
    if (!parsed) throw new AppError("UNAUTHENTICATED", "The API key is malformed (keys look like il_<prefix>_<secret>).");
    const now = Date.now();
    let entry = this.#cache.get(parsed.prefix);
    if (!entry || now - entry.at > ApiKeyAuthenticator.CACHE_MS) {
      const row = await this.db.apiKey.findUnique({
        where: { prefix: parsed.prefix },
        select: { id: true, name: true, secretHash: true, pipelines: true, expiresAt: true, revokedAt: true, rateLimitPerMinute: true },
      });
      entry = { row, at: now };
      this.#cache.set(parsed.prefix, entry);
    }
    const row = entry.row;
    if (!row || !secretMatches(parsed.secret, row.secretHash)) throw new AppError("UNAUTHENTICATED", "The API key is not valid.");
    if (row.revokedAt) throw new AppError("UNAUTHENTICATED", "The API key has been revoked.");
    if (row.expiresAt && row.expiresAt.getTime() <= now) throw new AppError("UNAUTHENTICATED", "The API key has expired.");
    if (row.pipelines.length > 0 && !row.pipelines.includes(slug)) {
      throw new AppError("FORBIDDEN", `The API key '${row.name}' may not call pipeline '${slug}'.`, { slug });
    }
    this.#touch(row.id, now);
    return { id: row.id, name: row.name, pipelines: row.pipelines, rateLimitPerMinute: row.rateLimitPerMinute };
  }

  #touch(id: string, now: number) {
    if (now - (this.#lastUsedWritten.get(id) ?? 0) < ApiKeyAuthenticator.LAST_USED_EVERY_MS) return;
    this.#lastUsedWritten.set(id, now);
    this.db.apiKey.update({ where: { id }, data: { lastUsedAt: new Date(now) } }).catch((e: unknown) => console.error("[inferline] could not record API key use:", (e as Error).message));
  }
}
