import { deleteSession } from "../../../services/auth/sessions.ts";
import { publicProcedure } from "../../trpc.ts";

/** Public so that an expired session can still clear its cookie. */
export const signOut = publicProcedure.mutation(async ({ ctx }) => {
  if (ctx.sessionId) await deleteSession(ctx.db, ctx.sessionId);
  ctx.clearSession();
  return { ok: true as const };
});
