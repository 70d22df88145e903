import { listAliases } from "../../../services/aliases/list-aliases.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZListAliasesRequestSchema } from "./schema.ts";

export const list = protectedProcedure.input(ZListAliasesRequestSchema).query(({ ctx, input }) => listAliases(ctx.deps, input.slug));
