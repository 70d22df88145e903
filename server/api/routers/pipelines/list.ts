import { listPipelines } from "../../../services/pipelines/list-pipelines.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZListPipelinesRequestSchema } from "./schema.ts";

export const list = protectedProcedure.input(ZListPipelinesRequestSchema).query(({ ctx, input }) => listPipelines(ctx.deps, input));
