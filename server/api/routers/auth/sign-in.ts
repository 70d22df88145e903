import { AppError } from "../../../errors.ts";
import { signIn as signInService } from "../../../services/auth/sign-in.ts";
import { publicProcedure } from "../../trpc.ts";
import { ZSignInRequestSchema } from "./schema.ts";

/** Brute force is refused per account and per address: TOO_MANY_ATTEMPTS (429) with Retry-After. */
export const signIn = publicProcedure.input(ZSignInRequestSchema).mutation(async ({ ctx, input }) => {
  try {
    const { user, session } = await signInService({ db: ctx.db }, input, ctx.sessionConfig, { limiter: ctx.signInLimiter, address: ctx.clientAddress });
    ctx.setSession(session.token, session.maxAgeSeconds);
    return user;
  } catch (e) {
    const retry = e instanceof AppError ? e.details?.retryAfterSeconds : undefined;
    if (typeof retry === "number") ctx.setHeader("Retry-After", String(retry));
    throw e;
  }
});
