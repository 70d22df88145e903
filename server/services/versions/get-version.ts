import { AppError } from "../../errors.ts";
import type { TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";

export async function getVersion({ db }: TActorDeps, input: { slug: string; number: number }) {
  const p = await findPipeline(db, input.slug);
  const v = await db.pipelineVersion.findUnique({
    where: { pipelineId_number: { pipelineId: p.id, number: input.number } },
    select: { number: true, graph: true, layout: true, contentHash: true, message: true, authorId: true, createdAt: true },
  });
  if (!v) throw new AppError("NOT_FOUND", `Pipeline '${input.slug}' has no version ${input.number}.`, { slug: input.slug, version: input.number });
  return v;
}
