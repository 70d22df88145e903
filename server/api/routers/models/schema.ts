import { z } from "zod";

/** Shape only; the name's format is checked by the services so every caller gets the same error. */
export const ZModelName = z.string().max(200);

export const ZListModelsRequestSchema = z.object({ search: z.string().max(200).optional() }).default({});
export const ZGetModelRequestSchema = z.object({ name: ZModelName });
export const ZDeleteModelRequestSchema = z.object({ name: ZModelName });
export const ZSetModelLabelsRequestSchema = z.object({
  name: ZModelName,
  version: z.int().min(1),
  /** Class names index-aligned with the model's scores (ImageNet-21k has ~21k); null removes them. */
  labels: z.array(z.string().max(500)).max(100_000).nullable(),
});

export type TSetModelLabelsRequest = z.infer<typeof ZSetModelLabelsRequestSchema>;
