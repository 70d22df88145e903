import { z } from "zod";
import { ZSlug } from "../pipelines/schema.ts";

export const ZListAliasesRequestSchema = z.object({ slug: ZSlug });
export const ZSetAliasRequestSchema = z.object({ slug: ZSlug, alias: z.string().max(64), version: z.int().min(1), force: z.boolean().optional() });
export const ZSetAliasSplitRequestSchema = z.object({
  slug: ZSlug,
  alias: z.string().max(64),
  canary: z.object({ version: z.int().min(1), weight: z.int(), sticky: z.boolean() }).nullable(),
  shadow: z.int().min(1).nullable(),
});
export const ZPromoteCanaryRequestSchema = z.object({ slug: ZSlug, alias: z.string().max(64), force: z.boolean().optional() });
