import { hashPassword } from "../../auth/password.ts";
import { AppError } from "../../errors.ts";
import type { TServiceDeps } from "../context.ts";
import { insertUser } from "../users/create-user.ts";

export async function needsSetup({ db }: TServiceDeps): Promise<boolean> {
  return (await db.user.count()) === 0;
}

/**
 * First run: creates the admin while no user exists. The table lock makes "no users yet" and the insert
 * one atomic step, so two concurrent setups cannot both create an admin.
 */
export async function setupAdmin({ db }: TServiceDeps, input: { email: string; name: string; password: string }) {
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`LOCK TABLE "User" IN SHARE ROW EXCLUSIVE MODE`;
    if ((await tx.user.count()) > 0) throw new AppError("SETUP_ALREADY_DONE", "Inferline already has an admin; sign in instead.");
    return insertUser(tx, null, { email: input.email, name: input.name, passwordHash, role: "admin" }, "auth.setup");
  });
}

/** Headless installs: ADMIN_EMAIL/ADMIN_PASSWORD create the admin at start when there is no user yet. */
export async function bootstrapAdmin(deps: TServiceDeps, admin: { email: string; password: string } | undefined): Promise<boolean> {
  if (!admin || !(await needsSetup(deps))) return false;
  try {
    await setupAdmin(deps, { email: admin.email, name: "Admin", password: admin.password });
    return true;
  } catch (e) {
    if (e instanceof AppError && e.code === "SETUP_ALREADY_DONE") return false;
    throw e;
  }
}
