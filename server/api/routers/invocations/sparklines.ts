import { invocationSparklines } from "../../../services/invocations/invocation-sparklines.ts";
import { protectedProcedure } from "../../trpc.ts";

/** Requests per hour over the last 24 h, for every pipeline (pipelines list). */
export const sparklines = protectedProcedure.query(({ ctx }) => invocationSparklines(ctx.deps));
