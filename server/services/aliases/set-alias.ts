import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { assertNotArchived, findPipeline } from "../pipelines/find-pipeline.ts";

/** Alias names appear in URLs (/api/v1/pipelines/{slug}@{alias}/invoke). */
export const ALIAS_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export interface TSetAliasInput {
  slug: string;
  alias: string;
  version: number;
}

/** Points an alias at a version: one transaction for the move and its audit row (who, when, from, to). */
export async function setAlias({ db, actor }: TActorDeps, input: TSetAliasInput) {
  assertRole(actor, "editor");
  if (!ALIAS_PATTERN.test(input.alias)) {
    throw new AppError("INVALID_ALIAS", `'${input.alias}' is not a valid alias: start with a letter; use up to 32 lowercase letters, digits and hyphens.`, {
      alias: input.alias,
      pattern: ALIAS_PATTERN.source,
    });
  }
  return db.$transaction(async (tx) => {
    const p = await findPipeline(tx, input.slug);
    assertNotArchived(p);
    const v = await tx.pipelineVersion.findUnique({ where: { pipelineId_number: { pipelineId: p.id, number: input.version } }, select: { id: true } });
    if (!v) throw new AppError("NOT_FOUND", `Pipeline '${input.slug}' has no version ${input.version}.`, { slug: input.slug, version: input.version });
    const before = await tx.alias.findUnique({
      where: { pipelineId_name: { pipelineId: p.id, name: input.alias } },
      select: { version: { select: { number: true } } },
    });
    await tx.alias.upsert({
      where: { pipelineId_name: { pipelineId: p.id, name: input.alias } },
      create: { pipelineId: p.id, name: input.alias, versionId: v.id, updatedById: actor.id },
      update: { versionId: v.id, updatedById: actor.id, updatedAt: new Date() },
    });
    await recordAudit(tx, actor, "alias.set", p.id, { alias: input.alias, from: before?.version.number ?? null, to: input.version });
    return { alias: input.alias, version: input.version, previous: before?.version.number ?? null };
  });
}
