import { listVersions } from "../../../services/versions/list-versions.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZListVersionsRequestSchema } from "./schema.ts";

export const list = protectedProcedure.input(ZListVersionsRequestSchema).query(({ ctx, input }) => listVersions(ctx.deps, input.slug));
