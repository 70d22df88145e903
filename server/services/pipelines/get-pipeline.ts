import { AppError } from "../../errors.ts";
import type { TActorDeps } from "../context.ts";

export async function getPipeline({ db }: TActorDeps, slug: string) {
  const p = await db.pipeline.findUnique({
    where: { slug },
    select: {
      slug: true,
      name: true,
      description: true,
      archived: true,
      versionCount: true,
      createdAt: true,
      updatedAt: true,
      draft: { select: { revision: true, updatedAt: true } },
    },
  });
  if (!p) throw new AppError("NOT_FOUND", `No pipeline with slug '${slug}'.`, { slug });
  return p;
}
