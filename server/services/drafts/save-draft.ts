import { AppError } from "../../errors.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { assertNotArchived, findPipeline } from "../pipelines/find-pipeline.ts";
import { parseGraph } from "./parse-graph.ts";

export interface TSaveDraftInput {
  slug: string;
  graph: unknown;
  layout: unknown;
  /** The draft revision the client started from. Saving over a newer revision is refused, never merged. */
  baseRevision: number;
}

export async function saveDraft({ db, actor }: TActorDeps, input: TSaveDraftInput) {
  assertRole(actor, "editor");
  const { graph, layout } = parseGraph(input.graph, input.layout);
  const p = await findPipeline(db, input.slug);
  assertNotArchived(p);
  // Compare-and-swap on the revision: one statement, so two concurrent saves cannot both win.
  const { count } = await db.draft.updateMany({
    where: { pipelineId: p.id, revision: input.baseRevision },
    data: { graph, layout, revision: { increment: 1 }, updatedAt: new Date(), updatedById: actor.id },
  });
  const current = await db.draft.findUniqueOrThrow({ where: { pipelineId: p.id }, select: { revision: true, updatedAt: true, updatedById: true } });
  if (count === 0) {
    const by = current.updatedById ? await db.user.findUnique({ where: { id: current.updatedById }, select: { email: true } }) : null;
    throw new AppError(
      "DRAFT_CONFLICT",
      `The draft changed since you loaded it (you have revision ${input.baseRevision}, the saved one is ${current.revision}${by ? `, by ${by.email}` : ""}). Reload it before saving; your changes were not written.`,
      { baseRevision: input.baseRevision, currentRevision: current.revision, updatedAt: current.updatedAt.toISOString(), updatedBy: by?.email ?? null },
    );
  }
  return { revision: current.revision, updatedAt: current.updatedAt };
}
