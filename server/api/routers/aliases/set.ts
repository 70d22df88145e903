import { setAlias } from "../../../services/aliases/set-alias.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZSetAliasRequestSchema } from "./schema.ts";

export const set = protectedProcedure.input(ZSetAliasRequestSchema).mutation(({ ctx, input }) => setAlias(ctx.deps, input));
