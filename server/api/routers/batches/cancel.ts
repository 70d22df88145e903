import { cancelBatch } from "../../../services/batches/start-batch.ts";
import { protectedProcedure } from "../../trpc.ts";
import { batchDeps } from "./queue.ts";
import { ZBatchRefSchema } from "./schema.ts";

/** Cancels a queued or running batch (editors). */
export const cancel = protectedProcedure.input(ZBatchRefSchema).mutation(({ ctx, input }) => cancelBatch(batchDeps(ctx), ctx.user, input.slug, input.id));
