import { assertRole } from "../../../services/context.ts";
import { editorRunCache } from "../../../services/runs/editor-run-caches.ts";
import { jsonRunResult, runPipeline } from "../../../services/runs/run-pipeline.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZTestRunRequestSchema } from "./schema.ts";

/**
 * A test run from the editor: same engine path as the API, logged with source "editor". Nodes whose
 * params and inputs did not change since this user's last run of this pipeline come from the run cache
 * (marked `cached` in the trace).
 */
export const test = protectedProcedure.input(ZTestRunRequestSchema).mutation(async ({ ctx, input }) => {
  assertRole(ctx.user, "editor");
  const result = await runPipeline({ db: ctx.db }, ctx.engine, {
    slug: input.slug,
    target: input.target === "draft" ? { draft: true } : { version: input.target },
    inputs: input.inputs,
    source: "editor",
    actor: ctx.user,
    // Only draft runs are re-run after edits; versions never change, but caching them is harmless too.
    cache: editorRunCache(ctx.user.id, input.slug),
  });
  return jsonRunResult(result);
});
