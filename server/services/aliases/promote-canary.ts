import { AppError } from "../../errors.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";
import type { TEngineDeps } from "../runs/engine-deps.ts";
import { setAlias } from "./set-alias.ts";

/**
 * Moves an alias onto its canary version and clears the split: the same move as aliases.set (the publish
 * gate runs for `production`, an admin may force it; audited as alias.set with `promoted`), so a promotion
 * is never a way around the samples. A shadow that is the old primary stays as it is.
 */
export async function promoteCanary(deps: TActorDeps, input: { slug: string; alias: string; force?: boolean | undefined }, engine?: TEngineDeps) {
  assertRole(deps.actor, "editor");
  const p = await findPipeline(deps.db, input.slug);
  const a = await deps.db.alias.findUnique({ where: { pipelineId_name: { pipelineId: p.id, name: input.alias } }, select: { canary: { select: { number: true } } } });
  if (!a) throw new AppError("NOT_FOUND", `Pipeline '${input.slug}' has no alias '${input.alias}'.`, { slug: input.slug, alias: input.alias });
  if (!a.canary) throw new AppError("INVALID_SPLIT", `Alias '${input.alias}' has no canary to promote.`, { field: "canary", alias: input.alias });
  return setAlias(deps, { slug: input.slug, alias: input.alias, version: a.canary.number, force: input.force, promoted: true }, engine);
}
