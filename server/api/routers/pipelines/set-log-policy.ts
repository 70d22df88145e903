import { setLogPolicy as setLogPolicyService } from "../../../services/pipelines/set-log-policy.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZSetLogPolicyRequestSchema } from "./schema.ts";

/** What the invocation log keeps of a pipeline's runs (full / truncated / metadata, redacted fields). Editors. */
export const setLogPolicy = protectedProcedure.input(ZSetLogPolicyRequestSchema).mutation(async ({ ctx, input }) => {
  const result = await setLogPolicyService(ctx.deps, input);
  ctx.servingChanged(); // the serving path caches pipelines (and so their policy) for a few seconds
  return result;
});
