import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { AppError, errorCodeInfo, type TErrorCode } from "../errors.ts";
import type { TActorDeps } from "../services/context.ts";
import type { TAppContext } from "./context.ts";

/** Domain errors become tRPC errors here, once; the app code and details travel in `data`. */
function toTRPCError(e: unknown): unknown {
  if (e instanceof AppError) return new TRPCError({ code: errorCodeInfo(e.code).trpc, message: e.message, cause: e });
  return e;
}

const t = initTRPC.context<TAppContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    let appCode: TErrorCode = "INTERNAL";
    let details: Record<string, unknown> | undefined;
    let message = shape.message;
    if (cause instanceof AppError) {
      appCode = cause.code;
      details = cause.details;
    } else if (cause instanceof z.ZodError) {
      appCode = "INVALID_INPUT";
      details = { issues: cause.issues.map((i) => ({ path: i.path.join("."), message: i.message })) };
      const first = cause.issues[0];
      message = first ? `Invalid input: ${first.path.join(".") || "(root)"}: ${first.message}` : "Invalid input";
    } else if (error.code === "UNAUTHORIZED") appCode = "UNAUTHENTICATED";
    else if (error.code === "NOT_FOUND") appCode = "NOT_FOUND";
    else if (error.code === "BAD_REQUEST" || error.code === "PARSE_ERROR") appCode = "INVALID_INPUT";
    else if (error.code === "PAYLOAD_TOO_LARGE") appCode = "INVALID_INPUT";
    // Never leak internals of unexpected errors to the client.
    if (appCode === "INTERNAL") message = "Internal error";
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, message, data: { ...data, appCode, details } };
  },
});

const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const mapped = toTRPCError(result.error.cause);
    if (mapped instanceof TRPCError) return { ...result, error: mapped };
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** No session needed: only setup, sign-in and the setup status use this. */
export const publicProcedure = t.procedure.use(mapErrors);

/** Requires a signed-in user; services still check the role for each use case. */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  const deps: TActorDeps = { db: ctx.db, actor: ctx.user };
  return next({ ctx: { ...ctx, user: ctx.user, deps } });
});
