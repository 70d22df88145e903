import { AppError } from "../../errors.ts";
import type { TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";

export async function getDraft({ db }: TActorDeps, slug: string) {
  const p = await findPipeline(db, slug);
  const d = await db.draft.findUnique({
    where: { pipelineId: p.id },
    select: { graph: true, layout: true, revision: true, updatedAt: true, updatedById: true },
  });
  if (!d) throw new AppError("NOT_FOUND", `Pipeline '${slug}' has no draft.`, { slug });
  const by = d.updatedById ? await db.user.findUnique({ where: { id: d.updatedById }, select: { email: true } }) : null;
  return { slug: p.slug, ...d, updatedBy: by?.email ?? null };
}
