import { createUser } from "../../../services/users/create-user.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZCreateUserRequestSchema } from "./schema.ts";

export const create = protectedProcedure.input(ZCreateUserRequestSchema).mutation(({ ctx, input }) => createUser(ctx.deps, input));
