import { getBatch } from "../../../services/batches/get-batch.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZBatchRefSchema } from "./schema.ts";

/** A batch with its progress (done, failed, pending) and ETA. */
export const get = protectedProcedure.input(ZBatchRefSchema).query(({ ctx, input }) => getBatch(ctx.db, ctx.user, input.slug, input.id));
