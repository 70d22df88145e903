import { promoteCanary } from "../../../services/aliases/promote-canary.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZPromoteCanaryRequestSchema } from "./schema.ts";

/** Moves the alias onto its canary through the publish gate and clears the split. */
export const promote = protectedProcedure.input(ZPromoteCanaryRequestSchema).mutation(async ({ ctx, input }) => {
  const moved = await promoteCanary(ctx.deps, input, ctx.engine);
  ctx.servingChanged();
  return moved;
});
