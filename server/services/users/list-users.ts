import { assertRole, type TActorDeps } from "../context.ts";

export async function listUsers({ db, actor }: TActorDeps) {
  assertRole(actor, "admin");
  return db.user.findMany({ orderBy: { createdAt: "asc" }, select: { id: true, email: true, name: true, role: true, createdAt: true } });
}
