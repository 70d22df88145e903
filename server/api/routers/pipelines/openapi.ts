import { z } from "zod";
import { RunnableResolver } from "../../../services/runs/runnable-resolver.ts";
import { openApiForPipeline } from "../../../services/serving/openapi.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZSlug } from "./schema.ts";

export const ZPipelineOpenApiRequestSchema = z.object({
  slug: ZSlug,
  /** What the document describes: an alias (default `production`) or a fixed version. */
  target: z.union([z.object({ alias: z.string().min(1).max(64) }), z.object({ version: z.int().min(1) })]).default({ alias: "production" }),
  /**
   * The `servers[0].url` to put in the document: the docs page passes the browser's origin, the one the
   * reader will call. Only an http(s) origin; without it the URL is relative ("/"), which OpenAPI allows.
   */
  serverUrl: z.url({ protocol: /^https?$/ }).max(300).optional(),
});

/**
 * The OpenAPI 3.1 document `GET /api/v1/pipelines/{slug}[@alias|/versions/n]/openapi.json` serves, for the
 * app's docs page: the app has a session, not an API key. Any signed-in user may read it (viewers read
 * pipelines); archived pipelines are NOT_FOUND as on the serving path.
 */
export const openapi = protectedProcedure.input(ZPipelineOpenApiRequestSchema).query(({ ctx, input }) => {
  const serverUrl = input.serverUrl ? new URL(input.serverUrl).origin : "/";
  return openApiForPipeline(ctx.db, new RunnableResolver(ctx.db), input.slug, input.target, serverUrl);
});
