import { listAssets } from "../../../services/assets/manage-assets.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZListAssetsRequestSchema } from "./schema.ts";

export const list = protectedProcedure.input(ZListAssetsRequestSchema).query(({ ctx, input }) => listAssets(ctx.deps, input.slug));
