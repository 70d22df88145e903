import { AppError } from "../../errors.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";
import { saveDraft } from "./save-draft.ts";

/** Copies a version's graph and layout into the draft, through the same conflict check as a save. */
export async function restoreDraft(deps: TActorDeps, input: { slug: string; version: number; baseRevision: number }) {
  assertRole(deps.actor, "editor");
  const p = await findPipeline(deps.db, input.slug);
  const v = await deps.db.pipelineVersion.findUnique({ where: { pipelineId_number: { pipelineId: p.id, number: input.version } }, select: { graph: true, layout: true } });
  if (!v) throw new AppError("NOT_FOUND", `Pipeline '${input.slug}' has no version ${input.version}.`, { slug: input.slug, version: input.version });
  return saveDraft(deps, { slug: input.slug, graph: v.graph, layout: v.layout, baseRevision: input.baseRevision });
}
