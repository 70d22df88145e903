import { listModels } from "../../../services/models/list-models.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZListModelsRequestSchema } from "./schema.ts";

export const list = protectedProcedure.input(ZListModelsRequestSchema).query(({ ctx, input }) => listModels(ctx.deps, input));
