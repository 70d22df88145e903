import { commitVersion } from "../../../services/versions/commit-version.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZCommitVersionRequestSchema } from "./schema.ts";

export const commit = protectedProcedure.input(ZCommitVersionRequestSchema).mutation(({ ctx, input }) => commitVersion(ctx.deps, input));
