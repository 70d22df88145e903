import { burnPasswordCheck, verifyPassword } from "../../auth/password.ts";
import { AppError } from "../../errors.ts";
import type { TServiceDeps } from "../context.ts";
import { createSession, type TSessionConfig } from "./sessions.ts";
import type { SignInLimiter } from "./sign-in-limiter.ts";

/** `limiter`: refuses the attempt (TOO_MANY_ATTEMPTS) once the account or the client address has failed too often. */
export async function signIn({ db }: TServiceDeps, input: { email: string; password: string }, cfg: TSessionConfig, guard?: { limiter: SignInLimiter; address: string | null }) {
  const attempt = await guard?.limiter.begin(input.email, guard.address);
  const user = await db.user.findUnique({
    where: { email: input.email.trim().toLowerCase() },
    select: { id: true, email: true, name: true, role: true, passwordHash: true },
  });
  const ok = user ? await verifyPassword(user.passwordHash, input.password) : (await burnPasswordCheck(input.password), false);
  if (!user || !ok) throw new AppError("INVALID_CREDENTIALS", "Wrong email or password.");
  await attempt?.succeeded();
  const session = await createSession(db, user.id, cfg);
  return { user: { id: user.id, email: user.email, name: user.name, role: user.role }, session };
}
