import { z } from "zod";
import { ZSlug } from "../pipelines/schema.ts";

/** A version, or an alias resolved to its version when the batch starts. */
export const ZBatchTarget = z.union([z.strictObject({ version: z.int().min(1) }), z.strictObject({ alias: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/) })]);

export const ZBatchRefSchema = z.object({ slug: ZSlug, id: z.uuid() });

export const ZCreateBatchRequestSchema = z.object({
  slug: ZSlug,
  target: ZBatchTarget,
  /** From POST /api/datasets. */
  datasetId: z.uuid(),
  /** Checked by the service (server/services/batches/mapping.ts); omitted = the default mapping. */
  mapping: z.record(z.string(), z.unknown()).nullish(),
});
export type TCreateBatchRequest = z.input<typeof ZCreateBatchRequestSchema>;

export const ZListBatchesRequestSchema = z.object({ slug: ZSlug, before: z.uuid().optional(), limit: z.int().min(1).max(200).default(50) });

export const ZBatchRowsRequestSchema = ZBatchRefSchema.extend({
  /** Rows after this row index (keyset). */
  after: z.int().min(-1).optional(),
  status: z.enum(["ok", "error"]).optional(),
  limit: z.int().min(1).max(500).default(100),
});

export const ZGetDatasetRequestSchema = z.object({ slug: ZSlug, id: z.uuid(), target: ZBatchTarget.optional() });
