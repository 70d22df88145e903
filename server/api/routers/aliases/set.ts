import { setAlias } from "../../../services/aliases/set-alias.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZSetAliasRequestSchema } from "./schema.ts";

export const set = protectedProcedure.input(ZSetAliasRequestSchema).mutation(async ({ ctx, input }) => {
  const moved = await setAlias(ctx.deps, input, ctx.engine);
  ctx.servingChanged();
  return moved;
});
