import { setUserRole } from "../../../services/users/set-user-role.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZSetUserRoleRequestSchema } from "./schema.ts";

export const setRole = protectedProcedure.input(ZSetUserRoleRequestSchema).mutation(({ ctx, input }) => setUserRole(ctx.deps, input));
