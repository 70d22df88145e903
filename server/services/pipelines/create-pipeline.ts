import { starterGraph } from "../../engine/graph/schema.ts";
import { AppError, isUniqueViolation } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { assertValidSlug } from "./slug.ts";

export interface TCreatePipelineInput {
  slug: string;
  name: string;
  description?: string | undefined;
}

/** A new pipeline and its draft (a starter graph: one input wired to one output). */
export async function createPipeline({ db, actor }: TActorDeps, input: TCreatePipelineInput) {
  assertRole(actor, "editor");
  assertValidSlug(input.slug);
  const { graph, layout } = starterGraph();
  try {
    return await db.$transaction(async (tx) => {
      const p = await tx.pipeline.create({
        data: {
          slug: input.slug,
          name: input.name,
          description: input.description ?? "",
          createdById: actor.id,
          draft: { create: { graph, layout, updatedById: actor.id } },
        },
        select: { id: true, slug: true, name: true, description: true, archived: true, createdAt: true },
      });
      await recordAudit(tx, actor, "pipeline.create", p.id, { slug: p.slug, name: p.name });
      return p;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("SLUG_TAKEN", `A pipeline with slug '${input.slug}' already exists.`, { slug: input.slug }, { cause: e });
    throw e;
  }
}
