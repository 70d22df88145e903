import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { assertNotArchived, findPipeline } from "../pipelines/find-pipeline.ts";

export interface TSetAliasSplitInput {
  slug: string;
  alias: string;
  /** null = no canary: the alias's own version answers every call. */
  canary: { version: number; weight: number; sticky: boolean } | null;
  /** null = no shadow copies. */
  shadow: number | null;
}

/** Canary weights are whole percent; 0 and 100 are not splits (clear the canary, or move the alias). */
export const CANARY_WEIGHT = { min: 1, max: 99 } as const;

/**
 * Sets or clears an alias's canary (a second version answering `weight` % of the calls, sticky per route
 * key or drawn per call) and its shadow (a version that receives a copy of each call, logged, never
 * returned). Editors only; one transaction with its audit row. Both versions must be committed versions of
 * this pipeline and differ from the alias's own version; the alias must exist (publish first).
 */
export async function setAliasSplit({ db, actor }: TActorDeps, input: TSetAliasSplitInput) {
  assertRole(actor, "editor");
  const { canary, shadow } = input;
  if (canary && (!Number.isInteger(canary.weight) || canary.weight < CANARY_WEIGHT.min || canary.weight > CANARY_WEIGHT.max)) {
    throw new AppError("INVALID_SPLIT", `The canary weight must be a whole percentage from ${CANARY_WEIGHT.min} to ${CANARY_WEIGHT.max} (got ${canary.weight}).`, { field: "weight", weight: canary.weight });
  }
  return db.$transaction(async (tx) => {
    const p = await findPipeline(tx, input.slug);
    assertNotArchived(p);
    const a = await tx.alias.findUnique({
      where: { pipelineId_name: { pipelineId: p.id, name: input.alias } },
      select: { version: { select: { number: true } }, canary: { select: { number: true } }, canaryWeight: true, canarySticky: true, shadow: { select: { number: true } } },
    });
    if (!a) throw new AppError("NOT_FOUND", `Pipeline '${input.slug}' has no alias '${input.alias}': point it at a version first.`, { slug: input.slug, alias: input.alias });
    const primary = a.version.number;
    const versionId = async (number: number, field: "canary" | "shadow") => {
      if (number === primary) {
        throw new AppError("INVALID_SPLIT", `The ${field} must be another version than the one ${input.alias} points at (v${primary}).`, { field, version: number });
      }
      const v = await tx.pipelineVersion.findUnique({ where: { pipelineId_number: { pipelineId: p.id, number } }, select: { id: true } });
      if (!v) throw new AppError("INVALID_SPLIT", `Pipeline '${input.slug}' has no committed version ${number} to use as the ${field}.`, { field, version: number });
      return v.id;
    };
    const canaryVersionId = canary ? await versionId(canary.version, "canary") : null;
    const shadowVersionId = shadow !== null ? await versionId(shadow, "shadow") : null;
    await tx.alias.update({
      where: { pipelineId_name: { pipelineId: p.id, name: input.alias } },
      data: { canaryVersionId, canaryWeight: canary?.weight ?? null, canarySticky: canary?.sticky ?? true, shadowVersionId, updatedById: actor.id, updatedAt: new Date() },
    });
    await recordAudit(tx, actor, "alias.split", p.id, {
      alias: input.alias,
      version: primary,
      canary: canary?.version ?? null,
      weight: canary?.weight ?? null,
      sticky: canary ? canary.sticky : null,
      shadow,
      previousCanary: a.canary?.number ?? null,
      previousWeight: a.canaryWeight,
      previousShadow: a.shadow?.number ?? null,
    });
    return { alias: input.alias, version: primary, canary: canary ? { version: canary.version, weight: canary.weight, sticky: canary.sticky } : null, shadow };
  });
}
