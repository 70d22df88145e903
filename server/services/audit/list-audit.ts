import type { TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";

export interface TListAuditInput {
  slug?: string | undefined;
  limit: number;
  /** Return entries older than this id (cursor pagination, newest first). */
  cursor?: string | undefined;
}

export async function listAudit({ db }: TActorDeps, input: TListAuditInput) {
  const pipelineId = input.slug ? (await findPipeline(db, input.slug)).id : undefined;
  const rows = await db.auditLog.findMany({
    where: { ...(pipelineId ? { pipelineId } : {}), ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}) },
    orderBy: { id: "desc" },
    take: input.limit + 1,
    select: { id: true, at: true, actorEmail: true, action: true, pipelineId: true, details: true },
  });
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((r) => ({ ...r, id: r.id.toString() })),
    nextCursor: rows.length > input.limit ? page[page.length - 1]?.id.toString() : undefined,
  };
}
