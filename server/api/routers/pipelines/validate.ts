import { z } from "zod";
import { validateGraph } from "../../../services/runs/validate-graph.ts";
import { protectedProcedure } from "../../trpc.ts";

export const ZValidateGraphRequestSchema = z.object({ graph: z.unknown() });

export const validate = protectedProcedure.input(ZValidateGraphRequestSchema).mutation(({ ctx, input }) => validateGraph(ctx.deps, input));
