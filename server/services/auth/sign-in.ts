import { burnPasswordCheck, verifyPassword } from "../../auth/password.ts";
import { AppError } from "../../errors.ts";
import type { TServiceDeps } from "../context.ts";
import { createSession, type TSessionConfig } from "./sessions.ts";

export async function signIn({ db }: TServiceDeps, input: { email: string; password: string }, cfg: TSessionConfig) {
  const user = await db.user.findUnique({
    where: { email: input.email.trim().toLowerCase() },
    select: { id: true, email: true, name: true, role: true, passwordHash: true },
  });
  const ok = user ? await verifyPassword(user.passwordHash, input.password) : (await burnPasswordCheck(input.password), false);
  if (!user || !ok) throw new AppError("INVALID_CREDENTIALS", "Wrong email or password.");
  const session = await createSession(db, user.id, cfg);
  return { user: { id: user.id, email: user.email, name: user.name, role: user.role }, session };
}
