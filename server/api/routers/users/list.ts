import { listUsers } from "../../../services/users/list-users.ts";
import { protectedProcedure } from "../../trpc.ts";

export const list = protectedProcedure.query(({ ctx }) => listUsers(ctx.deps));
