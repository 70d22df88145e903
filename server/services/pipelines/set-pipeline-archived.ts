import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { findPipeline } from "./find-pipeline.ts";

/** Archived pipelines are hidden from the list and read-only; nothing is deleted. */
export async function setPipelineArchived({ db, actor }: TActorDeps, input: { slug: string; archived: boolean }) {
  assertRole(actor, "editor");
  return db.$transaction(async (tx) => {
    const p = await findPipeline(tx, input.slug);
    const updated = await tx.pipeline.update({ where: { id: p.id }, data: { archived: input.archived }, select: { slug: true, archived: true } });
    if (p.archived !== input.archived) await recordAudit(tx, actor, input.archived ? "pipeline.archive" : "pipeline.unarchive", p.id, { slug: p.slug });
    return updated;
  });
}
