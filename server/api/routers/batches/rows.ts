import { listBatchRows } from "../../../services/batches/get-batch.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZBatchRowsRequestSchema } from "./schema.ts";

/** A page of row results with each row's invocation id (the drill-down into the invocation log). */
export const rows = protectedProcedure.input(ZBatchRowsRequestSchema).query(({ ctx, input }) => listBatchRows(ctx.db, ctx.user, input.slug, input.id, { after: input.after, status: input.status, limit: input.limit }));
