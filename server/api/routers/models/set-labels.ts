import { setModelLabels } from "../../../services/models/set-model-labels.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZSetModelLabelsRequestSchema } from "./schema.ts";

export const setLabels = protectedProcedure.input(ZSetModelLabelsRequestSchema).mutation(({ ctx, input }) => setModelLabels(ctx.deps, input));
