import { z } from "zod";
import { ZSlug } from "../pipelines/schema.ts";

export const ZTestRunRequestSchema = z.object({
  slug: ZSlug,
  /** "draft" runs the saved draft; a number runs that version. */
  target: z.union([z.literal("draft"), z.int().min(1)]),
  inputs: z.record(z.string(), z.unknown()),
});
