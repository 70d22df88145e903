import { z } from "zod";

/** Shape only; the slug's format is checked by the service so every caller gets the same INVALID_SLUG error. */
export const ZSlug = z.string().max(200);
export const ZName = z.string().trim().min(1, "Give the pipeline a name").max(120);
export const ZDescription = z.string().max(2000);

export const ZListPipelinesRequestSchema = z.object({ search: z.string().max(200).optional(), includeArchived: z.boolean().default(false) }).default({ includeArchived: false });
export const ZGetPipelineRequestSchema = z.object({ slug: ZSlug });
export const ZCreatePipelineRequestSchema = z.object({ slug: ZSlug, name: ZName, description: ZDescription.optional() });
export const ZRenamePipelineRequestSchema = z.object({ slug: ZSlug, name: ZName, description: ZDescription.optional() });
export const ZArchivePipelineRequestSchema = z.object({ slug: ZSlug, archived: z.boolean() });
