import { deleteModel } from "../../../services/models/delete-model.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZDeleteModelRequestSchema } from "./schema.ts";

/** `delete` is a reserved word: the procedure is exported as `remove` and mounted as `delete`. */
export const remove = protectedProcedure.input(ZDeleteModelRequestSchema).mutation(({ ctx, input }) => deleteModel(ctx.deps, input));
