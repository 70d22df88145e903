import { z } from "zod";
import { ZSlug } from "../pipelines/schema.ts";

export const ZInvocationStatus = z.enum(["running", "ok", "error", "abandoned"]);
export const ZInvocationSource = z.enum(["editor", "rest", "oip", "batch"]);
/** Dates travel as ISO strings or epoch milliseconds (tRPC without a transformer). */
const ZTime = z.union([z.iso.datetime({ offset: true }), z.int().min(0)]).transform((v) => new Date(v));

export const ZListInvocationsRequestSchema = z.object({
  slug: ZSlug.optional(),
  /** A version number, or "draft" for runs of the draft. */
  version: z.union([z.int().min(1), z.literal("draft")]).optional(),
  alias: z.string().max(32).optional(),
  status: ZInvocationStatus.optional(),
  source: ZInvocationSource.optional(),
  apiKeyId: z.uuid().optional(),
  from: ZTime.optional(),
  to: ZTime.optional(),
  minDurationMs: z.number().min(0).optional(),
  cursor: z.string().max(100).optional(),
  limit: z.int().min(1).max(200).default(50),
});
export type TListInvocationsRequest = z.input<typeof ZListInvocationsRequestSchema>;

export const ZGetInvocationRequestSchema = z.object({ id: z.uuid() });

export const ZInvocationStatsRequestSchema = z.object({
  slug: ZSlug,
  from: ZTime,
  to: ZTime,
  bucket: z.enum(["minute", "hour"]).default("minute"),
});
export type TInvocationStatsRequest = z.input<typeof ZInvocationStatsRequestSchema>;

export const ZAliasComparisonRequestSchema = z.object({ slug: ZSlug, alias: z.string().max(32), from: ZTime, to: ZTime });
