import { z } from "zod";
import { validateGraph } from "../../../services/runs/validate-graph.ts";
import { protectedProcedure } from "../../trpc.ts";

export const ZValidateGraphRequestSchema = z.object({ graph: z.unknown(), slug: z.string().max(63).optional() });

export const validate = protectedProcedure.input(ZValidateGraphRequestSchema).mutation(({ ctx, input }) => validateGraph(ctx.deps, input));
