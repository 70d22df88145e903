import { AppError } from "../../errors.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { toVersionView, VERSION_SELECT } from "./find-model.ts";

/** A model with every version (newest first): hash, size, signature, labels and who uploaded it. */
export async function getModel({ db, actor }: TActorDeps, input: { name: string }) {
  assertRole(actor, "viewer");
  const m = await db.model.findUnique({
    where: { name: input.name },
    select: { name: true, description: true, createdAt: true, versions: { orderBy: { number: "desc" }, select: VERSION_SELECT } },
  });
  if (!m) throw new AppError("NOT_FOUND", `No model named '${input.name}'.`, { name: input.name });
  const authorIds = [...new Set(m.versions.map((v) => v.createdById).filter((id): id is string => id !== null))];
  const authors = new Map((await db.user.findMany({ where: { id: { in: authorIds } }, select: { id: true, email: true } })).map((u) => [u.id, u.email]));
  return {
    ...m,
    versions: m.versions.map((v) => ({ ...toVersionView(v), createdBy: v.createdById ? (authors.get(v.createdById) ?? null) : null })),
  };
}
