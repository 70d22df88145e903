import { getPipeline } from "../../../services/pipelines/get-pipeline.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZGetPipelineRequestSchema } from "./schema.ts";

export const get = protectedProcedure.input(ZGetPipelineRequestSchema).query(({ ctx, input }) => getPipeline(ctx.deps, input.slug));
