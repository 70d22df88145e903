import { invocationKeyOptions } from "../../../services/invocations/invocation-key-options.ts";
import { protectedProcedure } from "../../trpc.ts";

/** API keys by name, for filtering the log by the key that made a call. */
export const keys = protectedProcedure.query(({ ctx }) => invocationKeyOptions(ctx.deps));
