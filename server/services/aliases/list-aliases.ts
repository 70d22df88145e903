import type { TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";

export async function listAliases({ db }: TActorDeps, slug: string) {
  const p = await findPipeline(db, slug);
  const rows = await db.alias.findMany({
    where: { pipelineId: p.id },
    orderBy: { name: "asc" },
    select: {
      name: true,
      updatedAt: true,
      updatedById: true,
      version: { select: { number: true } },
      canary: { select: { number: true } },
      canaryWeight: true,
      canarySticky: true,
      shadow: { select: { number: true } },
    },
  });
  return rows.map((r) => ({
    name: r.name,
    version: r.version.number,
    updatedAt: r.updatedAt,
    canary: r.canary && r.canaryWeight !== null ? { version: r.canary.number, weight: r.canaryWeight, sticky: r.canarySticky } : null,
    shadow: r.shadow?.number ?? null,
  }));
}
