import { deleteSample } from "../../../services/samples/manage-samples.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZDeleteSampleRequestSchema } from "./schema.ts";

export const remove = protectedProcedure.input(ZDeleteSampleRequestSchema).mutation(({ ctx, input }) => deleteSample(ctx.deps, input));
