import { z } from "zod";
import { ZSlug } from "../pipelines/schema.ts";

/** Shape only; the services check names so every caller gets the same error. */
const ZAssetName = z.string().max(200);

export const ZListAssetsRequestSchema = z.object({ slug: ZSlug });
export const ZUploadAssetRequestSchema = z.object({
  slug: ZSlug,
  name: ZAssetName,
  /** The file, base64-encoded (assets are at most 16 MiB). */
  contentBase64: z.base64().max(Math.ceil((16 * 1024 * 1024) / 3) * 4),
  mediaType: z.string().max(100).optional(),
});
export const ZGetAssetRequestSchema = z.object({ slug: ZSlug, name: ZAssetName, sha256: z.string().regex(/^[0-9a-f]{64}$/).optional() });
export const ZDeleteAssetRequestSchema = z.object({ slug: ZSlug, name: ZAssetName });

export type TUploadAssetRequest = z.infer<typeof ZUploadAssetRequestSchema>;
