import { setupAdmin } from "../../../services/auth/setup.ts";
import { createSession } from "../../../services/auth/sessions.ts";
import { publicProcedure } from "../../trpc.ts";
import { ZSetupRequestSchema } from "./schema.ts";

/** First run only: creates the admin and signs them in. */
export const setup = publicProcedure.input(ZSetupRequestSchema).mutation(async ({ ctx, input }) => {
  const user = await setupAdmin({ db: ctx.db }, input);
  const { token, maxAgeSeconds } = await createSession(ctx.db, user.id, ctx.sessionConfig);
  ctx.setSession(token, maxAgeSeconds);
  return { id: user.id, email: user.email, name: user.name, role: user.role };
});
