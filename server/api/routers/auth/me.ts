import { protectedProcedure } from "../../trpc.ts";

export const me = protectedProcedure.query(({ ctx }) => ctx.user);
