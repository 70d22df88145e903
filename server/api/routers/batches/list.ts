import { listBatches } from "../../../services/batches/get-batch.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZListBatchesRequestSchema } from "./schema.ts";

/** A pipeline's batches, newest first. */
export const list = protectedProcedure.input(ZListBatchesRequestSchema).query(({ ctx, input }) => listBatches(ctx.db, ctx.user, input.slug, { limit: input.limit, before: input.before }));
