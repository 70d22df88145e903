import { listSamples } from "../../../services/samples/manage-samples.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZListSamplesRequestSchema } from "./schema.ts";

export const list = protectedProcedure.input(ZListSamplesRequestSchema).query(({ ctx, input }) => listSamples(ctx.deps, input.slug));
