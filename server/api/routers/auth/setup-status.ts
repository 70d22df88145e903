import { needsSetup } from "../../../services/auth/setup.ts";
import { publicProcedure } from "../../trpc.ts";

export const setupStatus = publicProcedure.query(async ({ ctx }) => ({ needsSetup: await needsSetup({ db: ctx.db }) }));
