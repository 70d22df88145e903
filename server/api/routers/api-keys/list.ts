import { listApiKeys } from "../../../services/api-keys/manage-api-keys.ts";
import { protectedProcedure } from "../../trpc.ts";

export const list = protectedProcedure.query(({ ctx }) => listApiKeys(ctx.deps));
