import { deleteAsset } from "../../../services/assets/manage-assets.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZDeleteAssetRequestSchema } from "./schema.ts";

export const remove = protectedProcedure.input(ZDeleteAssetRequestSchema).mutation(({ ctx, input }) => deleteAsset(ctx.deps, input));
