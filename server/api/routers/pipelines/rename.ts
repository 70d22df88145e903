import { renamePipeline } from "../../../services/pipelines/rename-pipeline.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZRenamePipelineRequestSchema } from "./schema.ts";

export const rename = protectedProcedure.input(ZRenamePipelineRequestSchema).mutation(({ ctx, input }) => renamePipeline(ctx.deps, input));
