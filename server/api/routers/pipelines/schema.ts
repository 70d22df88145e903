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
export const ZSetLogPolicyRequestSchema = z.object({
  slug: ZSlug,
  payload: z.enum(["full", "truncated", "metadata"]),
  /** For `truncated`: KiB kept of the inputs, and of the outputs. */
  truncateKb: z.int().min(1).max(65_536).optional(),
  /** Fields stored as "[redacted]": input/output names or dotted paths (`patient.name`). */
  redact: z.array(z.string().trim().min(1).max(200).regex(/^[^.]+(\.[^.]+)*$/, "Use a field name or a dotted path")).max(100).default([]),
});
export const ZSetCachePolicyRequestSchema = z.object({
  slug: ZSlug,
  enabled: z.boolean(),
  /** Seconds an answer is kept: 1 s to 7 days. */
  ttlSeconds: z.int().min(1).max(7 * 24 * 3600).optional(),
});
