import { aliasComparison } from "../../../services/invocations/alias-comparison.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZAliasComparisonRequestSchema } from "./schema.ts";

/** An alias's canary/shadow comparison: per version latency, errors, counts, and shadow output agreement. */
export const compare = protectedProcedure.input(ZAliasComparisonRequestSchema).query(({ ctx, input }) => aliasComparison(ctx.deps, input));
