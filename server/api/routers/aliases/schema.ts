import { z } from "zod";
import { ZSlug } from "../pipelines/schema.ts";

export const ZListAliasesRequestSchema = z.object({ slug: ZSlug });
export const ZSetAliasRequestSchema = z.object({ slug: ZSlug, alias: z.string().max(64), version: z.int().min(1), force: z.boolean().optional() });
