import { getDraft } from "../../../services/drafts/get-draft.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZGetDraftRequestSchema } from "./schema.ts";

export const get = protectedProcedure.input(ZGetDraftRequestSchema).query(({ ctx, input }) => getDraft(ctx.deps, input.slug));
