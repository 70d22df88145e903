import { setPipelineArchived } from "../../../services/pipelines/set-pipeline-archived.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZArchivePipelineRequestSchema } from "./schema.ts";

export const archive = protectedProcedure.input(ZArchivePipelineRequestSchema).mutation(({ ctx, input }) => setPipelineArchived(ctx.deps, input));
