import type { TPrisma } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { TTx } from "../audit/record-audit.ts";

/** The pipeline with this slug, or NOT_FOUND. */
export async function findPipeline(db: TPrisma | TTx, slug: string) {
  const p = await db.pipeline.findUnique({ where: { slug }, select: { id: true, slug: true, name: true, archived: true } });
  if (!p) throw new AppError("NOT_FOUND", `No pipeline with slug '${slug}'.`, { slug });
  return p;
}

export function assertNotArchived(p: { slug: string; archived: boolean }): void {
  if (p.archived) throw new AppError("PIPELINE_ARCHIVED", `Pipeline '${p.slug}' is archived; unarchive it to change it.`, { slug: p.slug });
}
