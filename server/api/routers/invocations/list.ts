import { listInvocations } from "../../../services/invocations/list-invocations.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZListInvocationsRequestSchema } from "./schema.ts";

/** The log table: filters, newest first, cursor pagination; no payloads. */
export const list = protectedProcedure.input(ZListInvocationsRequestSchema).query(({ ctx, input }) => listInvocations(ctx.deps, input));
