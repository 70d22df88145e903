import { retryBatch } from "../../../services/batches/start-batch.ts";
import { protectedProcedure } from "../../trpc.ts";
import { batchDeps } from "./queue.ts";
import { ZBatchRefSchema } from "./schema.ts";

/** Runs a finished batch's failed (and never-run) rows again as a new attempt (editors). */
export const retry = protectedProcedure.input(ZBatchRefSchema).mutation(({ ctx, input }) => retryBatch(batchDeps(ctx), ctx.user, input.slug, input.id));
