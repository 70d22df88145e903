import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { assertNotArchived, findPipeline } from "../pipelines/find-pipeline.ts";
import type { TEngineDeps } from "../runs/engine-deps.ts";
import { runPublishGate, type TGateResult } from "../samples/run-publish-gate.ts";

/** Alias names appear in URLs (/api/v1/pipelines/{slug}@{alias}/invoke). */
export const ALIAS_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export interface TSetAliasInput {
  slug: string;
  alias: string;
  version: number;
  /** Admins only: move `production` even though the version fails its samples (audited). */
  force?: boolean | undefined;
  /** Set by promoteCanary: audited as alias.promote. */
  promoted?: boolean;
}

/** The alias whose moves are gated on the pipeline's samples. */
export const GATED_ALIAS = "production";

/**
 * Points an alias at a version: one transaction for the move and its audit row (who, when, from, to).
 * Moving `production` first runs the samples that carry expected outputs on the target version (the
 * publish gate); if any fails the move is refused with the differences, unless an admin forces it.
 */
export async function setAlias({ db, actor }: TActorDeps, input: TSetAliasInput, engine?: TEngineDeps) {
  assertRole(actor, "editor");
  if (input.force) assertRole(actor, "admin");
  if (!ALIAS_PATTERN.test(input.alias)) {
    throw new AppError("INVALID_ALIAS", `'${input.alias}' is not a valid alias: start with a letter; use up to 32 lowercase letters, digits and hyphens.`, {
      alias: input.alias,
      pattern: ALIAS_PATTERN.source,
    });
  }
  let gate: TGateResult | null = null;
  if (input.alias === GATED_ALIAS && engine) {
    const p = await findPipeline(db, input.slug);
    const exists = await db.pipelineVersion.count({ where: { pipelineId: p.id, number: input.version } });
    if (exists) {
      gate = await runPublishGate({ db }, engine, { pipelineId: p.id, slug: input.slug, version: input.version });
      if (!gate.passed && !input.force) {
        throw new AppError(
          "PUBLISH_GATE_FAILED",
          `Version ${input.version} fails ${gate.failures.length} of ${gate.checked} sample check${gate.checked === 1 ? "" : "s"}: ${gate.failures.map((f) => `${f.sample} (${f.error ?? f.differences.map((d) => `${d.output}: ${d.message}`).join("; ")})`).join(", ")}.`,
          { failures: gate.failures, checked: gate.checked },
        );
      }
    }
  }
  return db.$transaction(async (tx) => {
    const p = await findPipeline(tx, input.slug);
    assertNotArchived(p);
    const v = await tx.pipelineVersion.findUnique({ where: { pipelineId_number: { pipelineId: p.id, number: input.version } }, select: { id: true } });
    if (!v) throw new AppError("NOT_FOUND", `Pipeline '${input.slug}' has no version ${input.version}.`, { slug: input.slug, version: input.version });
    const before = await tx.alias.findUnique({
      where: { pipelineId_name: { pipelineId: p.id, name: input.alias } },
      select: { version: { select: { number: true } }, canaryVersionId: true, shadowVersionId: true },
    });
    // A canary or shadow equal to the alias's own version would split nothing: moving onto it clears it.
    const clearCanary = before?.canaryVersionId === v.id;
    const clearShadow = before?.shadowVersionId === v.id;
    await tx.alias.upsert({
      where: { pipelineId_name: { pipelineId: p.id, name: input.alias } },
      create: { pipelineId: p.id, name: input.alias, versionId: v.id, updatedById: actor.id },
      update: {
        versionId: v.id,
        updatedById: actor.id,
        updatedAt: new Date(),
        ...(clearCanary ? { canaryVersionId: null, canaryWeight: null, canarySticky: true } : {}),
        ...(clearShadow ? { shadowVersionId: null } : {}),
      },
    });
    const forced = gate !== null && !gate.passed;
    await recordAudit(tx, actor, input.promoted ? "alias.promote" : "alias.set", p.id, {
      alias: input.alias,
      from: before?.version.number ?? null,
      to: input.version,
      ...(gate ? { samplesChecked: gate.checked, samplesFailed: gate.failures.length } : {}),
      ...(forced ? { forced: true } : {}),
      ...(clearCanary ? { canaryCleared: true } : {}),
      ...(clearShadow ? { shadowCleared: true } : {}),
    });
    return { alias: input.alias, version: input.version, previous: before?.version.number ?? null, gate };
  });
}
