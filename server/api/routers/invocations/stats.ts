import { invocationStats } from "../../../services/invocations/invocation-stats.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZInvocationStatsRequestSchema } from "./schema.ts";

/** A pipeline's dashboard: per-bucket count, errors, p50/p95/p99, and the slowest nodes. */
export const stats = protectedProcedure.input(ZInvocationStatsRequestSchema).query(({ ctx, input }) => invocationStats(ctx.deps, input));
