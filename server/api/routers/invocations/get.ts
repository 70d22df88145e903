import { getInvocation } from "../../../services/invocations/get-invocation.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZGetInvocationRequestSchema } from "./schema.ts";

/** One logged run with inputs, outputs, error and trace (detail view, replay). */
export const get = protectedProcedure.input(ZGetInvocationRequestSchema).query(({ ctx, input }) => getInvocation(ctx.deps, input.id));
