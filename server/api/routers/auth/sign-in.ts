import { signIn as signInService } from "../../../services/auth/sign-in.ts";
import { publicProcedure } from "../../trpc.ts";
import { ZSignInRequestSchema } from "./schema.ts";

export const signIn = publicProcedure.input(ZSignInRequestSchema).mutation(async ({ ctx, input }) => {
  const { user, session } = await signInService({ db: ctx.db }, input, ctx.sessionConfig);
  ctx.setSession(session.token, session.maxAgeSeconds);
  return user;
});
