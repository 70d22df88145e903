import { getAssetContent } from "../../../services/assets/manage-assets.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZGetAssetRequestSchema } from "./schema.ts";

export const get = protectedProcedure.input(ZGetAssetRequestSchema).query(({ ctx, input }) => getAssetContent(ctx.deps, input));
