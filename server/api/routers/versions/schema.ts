import { z } from "zod";
import { ZSlug } from "../pipelines/schema.ts";

export const ZListVersionsRequestSchema = z.object({ slug: ZSlug });
export const ZGetVersionRequestSchema = z.object({ slug: ZSlug, number: z.int().min(1) });
export const ZCommitVersionRequestSchema = z.object({
  slug: ZSlug,
  message: z.string().trim().min(1, "Describe the version in a message").max(500),
  draftRevision: z.int().min(1).optional(),
});
