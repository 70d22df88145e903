import { assertRole } from "../../../services/context.ts";
import { runPipeline } from "../../../services/runs/run-pipeline.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZTestRunRequestSchema } from "./schema.ts";

/** A test run from the editor: same engine path as the API, logged with source "editor". */
export const test = protectedProcedure.input(ZTestRunRequestSchema).mutation(({ ctx, input }) => {
  assertRole(ctx.user, "editor");
  return runPipeline({ db: ctx.db }, ctx.engine, {
    slug: input.slug,
    target: input.target === "draft" ? { draft: true } : { version: input.target },
    inputs: input.inputs,
    source: "editor",
    actor: ctx.user,
  });
});
