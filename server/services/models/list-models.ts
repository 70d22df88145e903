import { assertRole, type TActorDeps } from "../context.ts";
import { toVersionView, VERSION_SELECT } from "./find-model.ts";

export interface TListModelsInput {
  search?: string | undefined;
}

/** Models with their latest version (signature included), newest first. */
export async function listModels({ db, actor }: TActorDeps, input: TListModelsInput = {}) {
  assertRole(actor, "viewer");
  const q = input.search?.trim();
  const rows = await db.model.findMany({
    where: q ? { OR: [{ name: { contains: q, mode: "insensitive" } }, { description: { contains: q, mode: "insensitive" } }] } : {},
    orderBy: { createdAt: "desc" },
    take: 500,
    select: {
      name: true,
      description: true,
      versionCount: true,
      createdAt: true,
      versions: { orderBy: { number: "desc" }, take: 1, select: VERSION_SELECT },
    },
  });
  return rows.map(({ versions, ...m }) => ({ ...m, latest: versions[0] ? toVersionView(versions[0]) : null }));
}
