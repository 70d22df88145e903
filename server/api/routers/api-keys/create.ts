import { createApiKey } from "../../../services/api-keys/manage-api-keys.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZCreateApiKeyRequestSchema } from "./schema.ts";

/** The response carries the full key: the only time it is ever shown. */
export const create = protectedProcedure.input(ZCreateApiKeyRequestSchema).mutation(({ ctx, input }) => createApiKey(ctx.deps, input));
