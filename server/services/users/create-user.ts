import { hashPassword } from "../../auth/password.ts";
import { AppError, isUniqueViolation } from "../../errors.ts";
import { recordAudit, type TTx } from "../audit/record-audit.ts";
import { assertRole, type TActor, type TActorDeps, type TRole } from "../context.ts";

export interface TCreateUserInput {
  email: string;
  name: string;
  password: string;
  role: TRole;
}

export async function createUser({ db, actor }: TActorDeps, input: TCreateUserInput) {
  assertRole(actor, "admin");
  const passwordHash = await hashPassword(input.password);
  return db.$transaction((tx) => insertUser(tx, actor, { ...input, passwordHash }, "user.create"));
}

/** Inserts a user and its audit row inside the caller's transaction (admin creation, setup, bootstrap). */
export async function insertUser(
  tx: TTx,
  actor: TActor | null,
  input: Omit<TCreateUserInput, "password"> & { passwordHash: string },
  action: "user.create" | "auth.setup",
) {
  const email = input.email.trim().toLowerCase();
  try {
    const u = await tx.user.create({
      data: { email, name: input.name.trim() || email, passwordHash: input.passwordHash, role: input.role },
      select: { id: true, email: true, name: true, role: true, createdAt: true },
    });
    await recordAudit(tx, actor ?? u, action, null, { email: u.email, role: u.role });
    return u;
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("EMAIL_TAKEN", `A user with email '${email}' already exists.`, { email }, { cause: e });
    throw e;
  }
}
