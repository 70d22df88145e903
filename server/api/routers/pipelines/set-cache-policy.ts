import { setCachePolicy as setCachePolicyService } from "../../../services/pipelines/set-cache-policy.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZSetCachePolicyRequestSchema } from "./schema.ts";

/** Response cache on/off and its TTL for a pipeline's published calls. Editors. */
export const setCachePolicy = protectedProcedure.input(ZSetCachePolicyRequestSchema).mutation(async ({ ctx, input }) => {
  const result = await setCachePolicyService(ctx.deps, input);
  ctx.servingChanged(); // the serving path caches pipelines (and so this setting) for a few seconds
  return result;
});
