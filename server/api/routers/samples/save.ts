import { saveSample } from "../../../services/samples/manage-samples.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZSaveSampleRequestSchema } from "./schema.ts";

export const save = protectedProcedure.input(ZSaveSampleRequestSchema).mutation(({ ctx, input }) => saveSample(ctx.deps, input));
