import type { TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";

export async function listAliases({ db }: TActorDeps, slug: string) {
  const p = await findPipeline(db, slug);
  const rows = await db.alias.findMany({
    where: { pipelineId: p.id },
    orderBy: { name: "asc" },
    select: { name: true, updatedAt: true, updatedById: true, version: { select: { number: true } } },
  });
  return rows.map((r) => ({ name: r.name, version: r.version.number, updatedAt: r.updatedAt }));
}
