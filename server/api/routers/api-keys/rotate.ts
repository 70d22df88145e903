import { rotateApiKey } from "../../../services/api-keys/manage-api-keys.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZRotateApiKeyRequestSchema } from "./schema.ts";

export const rotate = protectedProcedure.input(ZRotateApiKeyRequestSchema).mutation(async ({ ctx, input }) => {
  const row = await rotateApiKey(ctx.deps, input);
  ctx.servingChanged();
  return row;
});
