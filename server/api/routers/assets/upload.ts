import { uploadAsset } from "../../../services/assets/manage-assets.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZUploadAssetRequestSchema } from "./schema.ts";

export const upload = protectedProcedure
  .input(ZUploadAssetRequestSchema)
  .mutation(({ ctx, input }) => uploadAsset(ctx.deps, { slug: input.slug, name: input.name, mediaType: input.mediaType, bytes: Buffer.from(input.contentBase64, "base64") }));
