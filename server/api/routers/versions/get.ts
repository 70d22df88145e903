import { getVersion } from "../../../services/versions/get-version.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZGetVersionRequestSchema } from "./schema.ts";

export const get = protectedProcedure.input(ZGetVersionRequestSchema).query(({ ctx, input }) => getVersion(ctx.deps, input));
