import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { assertNotArchived, findPipeline } from "./find-pipeline.ts";

export interface TRenamePipelineInput {
  slug: string;
  name: string;
  description?: string | undefined;
}

/** Changes the display name and description. The slug stays: it is part of every published URL. */
export async function renamePipeline({ db, actor }: TActorDeps, input: TRenamePipelineInput) {
  assertRole(actor, "editor");
  return db.$transaction(async (tx) => {
    const p = await findPipeline(tx, input.slug);
    assertNotArchived(p);
    const updated = await tx.pipeline.update({
      where: { id: p.id },
      data: { name: input.name, ...(input.description !== undefined ? { description: input.description } : {}) },
      select: { slug: true, name: true, description: true },
    });
    await recordAudit(tx, actor, "pipeline.rename", p.id, { from: p.name, to: updated.name });
    return updated;
  });
}
