import { setAliasSplit } from "../../../services/aliases/set-alias-split.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZSetAliasSplitRequestSchema } from "./schema.ts";

/** Sets or clears an alias's canary and shadow (editors; audited). */
export const split = protectedProcedure.input(ZSetAliasSplitRequestSchema).mutation(async ({ ctx, input }) => {
  const r = await setAliasSplit(ctx.deps, input);
  ctx.servingChanged();
  return r;
});
