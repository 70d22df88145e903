import { deleteSession } from "../../../services/auth/sessions.ts";
import { protectedProcedure } from "../../trpc.ts";

export const signOut = protectedProcedure.mutation(async ({ ctx }) => {
  if (ctx.sessionId) await deleteSession(ctx.db, ctx.sessionId);
  ctx.clearSession();
  return { ok: true as const };
});
