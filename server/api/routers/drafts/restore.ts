import { restoreDraft } from "../../../services/drafts/restore-draft.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZRestoreDraftRequestSchema } from "./schema.ts";

export const restore = protectedProcedure.input(ZRestoreDraftRequestSchema).mutation(({ ctx, input }) => restoreDraft(ctx.deps, input));
