import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps, type TRole } from "../context.ts";

export async function setUserRole({ db, actor }: TActorDeps, input: { userId: string; role: TRole }) {
  assertRole(actor, "admin");
  return db.$transaction(async (tx) => {
    const u = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true, role: true, email: true } });
    if (!u) throw new AppError("NOT_FOUND", "No such user.", { userId: input.userId });
    if (u.role === "admin" && input.role !== "admin" && (await tx.user.count({ where: { role: "admin" } })) <= 1) {
      throw new AppError("LAST_ADMIN", "This is the only admin; make someone else admin first.", { userId: u.id });
    }
    const updated = await tx.user.update({ where: { id: u.id }, data: { role: input.role }, select: { id: true, email: true, role: true } });
    // A demotion takes effect now: the user's open sessions end.
    if (input.role !== u.role) await tx.session.deleteMany({ where: { userId: u.id } });
    await recordAudit(tx, actor, "user.role", null, { email: u.email, from: u.role, to: input.role });
    return updated;
  });
}
