import { getDataset } from "../../../services/batches/get-dataset.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZGetDatasetRequestSchema } from "./schema.ts";

/** An uploaded dataset for the mapping step: columns, first rows, and for a target its inputs and the default mapping. */
export const dataset = protectedProcedure.input(ZGetDatasetRequestSchema).query(({ ctx, input }) => getDataset(ctx.db, ctx.user, input.slug, input.id, input.target));
