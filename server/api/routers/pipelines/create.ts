import { createPipeline } from "../../../services/pipelines/create-pipeline.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZCreatePipelineRequestSchema } from "./schema.ts";

export const create = protectedProcedure.input(ZCreatePipelineRequestSchema).mutation(({ ctx, input }) => createPipeline(ctx.deps, input));
