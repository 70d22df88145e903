import { z } from "zod";
import { ZSlug } from "../pipelines/schema.ts";

export const ZGetDraftRequestSchema = z.object({ slug: ZSlug });
/** graph/layout are checked by the service (INVALID_GRAPH with every issue), not here. */
export const ZSaveDraftRequestSchema = z.object({ slug: ZSlug, graph: z.unknown(), layout: z.unknown(), baseRevision: z.int().min(1) });
export const ZRestoreDraftRequestSchema = z.object({ slug: ZSlug, version: z.int().min(1), baseRevision: z.int().min(1) });
