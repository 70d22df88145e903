import type { TActorDeps } from "../context.ts";

export interface TListPipelinesInput {
  search?: string | undefined;
  includeArchived: boolean;
}

export async function listPipelines({ db }: TActorDeps, input: TListPipelinesInput) {
  const q = input.search?.trim();
  const rows = await db.pipeline.findMany({
    where: {
      ...(input.includeArchived ? {} : { archived: false }),
      ...(q
        ? { OR: [{ slug: { contains: q, mode: "insensitive" } }, { name: { contains: q, mode: "insensitive" } }, { description: { contains: q, mode: "insensitive" } }] }
        : {}),
    },
    orderBy: [{ archived: "asc" }, { updatedAt: "desc" }],
    take: 500,
    select: {
      slug: true,
      name: true,
      description: true,
      archived: true,
      versionCount: true,
      updatedAt: true,
      aliases: { select: { name: true, version: { select: { number: true } } }, orderBy: { name: "asc" } },
    },
  });
  return rows.map(({ aliases, ...p }) => ({ ...p, aliases: aliases.map((a) => ({ name: a.name, version: a.version.number })) }));
}
