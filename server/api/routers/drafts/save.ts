import { saveDraft } from "../../../services/drafts/save-draft.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZSaveDraftRequestSchema } from "./schema.ts";

export const save = protectedProcedure.input(ZSaveDraftRequestSchema).mutation(({ ctx, input }) => saveDraft(ctx.deps, input));
