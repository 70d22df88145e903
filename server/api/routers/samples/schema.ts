import { z } from "zod";
import { ZExpected } from "../../../services/samples/compare-outputs.ts";
import { ZSlug } from "../pipelines/schema.ts";

export const ZListSamplesRequestSchema = z.object({ slug: ZSlug });
export const ZSaveSampleRequestSchema = z.object({
  slug: ZSlug,
  id: z.uuid().optional(),
  name: z.string().trim().min(1, "Name the sample").max(120),
  inputs: z.record(z.string(), z.json()),
  expected: ZExpected.nullish(),
});
export const ZDeleteSampleRequestSchema = z.object({ slug: ZSlug, id: z.uuid() });
