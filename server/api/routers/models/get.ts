import { getModel } from "../../../services/models/get-model.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZGetModelRequestSchema } from "./schema.ts";

export const get = protectedProcedure.input(ZGetModelRequestSchema).query(({ ctx, input }) => getModel(ctx.deps, input));
