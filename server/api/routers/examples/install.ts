import { installExamples } from "../../../services/examples/example-pipelines.ts";
import { protectedProcedure } from "../../trpc.ts";

/** Installs the example models and pipelines (idempotent). */
export const install = protectedProcedure.mutation(async ({ ctx }) => {
  const result = await installExamples(ctx.deps, ctx.modelFiles, ctx.engine);
  ctx.servingChanged();
  return result;
});
