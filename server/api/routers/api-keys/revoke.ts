import { revokeApiKey } from "../../../services/api-keys/manage-api-keys.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZApiKeyIdSchema } from "./schema.ts";

export const revoke = protectedProcedure.input(ZApiKeyIdSchema).mutation(async ({ ctx, input }) => {
  const row = await revokeApiKey(ctx.deps, input.id);
  ctx.servingChanged();
  return row;
});
