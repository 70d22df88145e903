import { startBatch } from "../../../services/batches/start-batch.ts";
import { protectedProcedure } from "../../trpc.ts";
import { batchDeps } from "./queue.ts";
import { ZCreateBatchRequestSchema } from "./schema.ts";

/** Starts a batch over an uploaded dataset (editors). */
export const create = protectedProcedure
  .input(ZCreateBatchRequestSchema)
  .mutation(({ ctx, input }) => startBatch(batchDeps(ctx), { slug: input.slug, target: input.target, datasetId: input.datasetId, mapping: (input.mapping as never) ?? null, actor: ctx.user }));
