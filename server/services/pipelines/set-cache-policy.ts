import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { findPipeline } from "./find-pipeline.ts";

export interface TSetCachePolicyInput {
  slug: string;
  enabled: boolean;
  /** How long an answer is kept, in seconds (from the next answer on; kept answers keep their expiry). */
  ttlSeconds?: number | undefined;
}

/**
 * Turns the response cache on or off for a pipeline's published calls (services/runs/response-cache.ts).
 * Editors; audited. Each server process holds its own cache: turning it off takes effect at once in this
 * process and within the serving path's pipeline cache (2 s) elsewhere.
 */
export async function setCachePolicy({ db, actor }: TActorDeps, input: TSetCachePolicyInput) {
  assertRole(actor, "editor");
  return db.$transaction(async (tx) => {
    const p = await findPipeline(tx, input.slug);
    const updated = await tx.pipeline.update({
      where: { id: p.id },
      data: { cacheEnabled: input.enabled, ...(input.ttlSeconds !== undefined ? { cacheTtlSeconds: input.ttlSeconds } : {}) },
      select: { slug: true, cacheEnabled: true, cacheTtlSeconds: true },
    });
    await recordAudit(tx, actor, "pipeline.cachePolicy", p.id, { enabled: updated.cacheEnabled, ttlSeconds: updated.cacheTtlSeconds });
    return { slug: updated.slug, cachePolicy: { enabled: updated.cacheEnabled, ttlSeconds: updated.cacheTtlSeconds } };
  });
}
