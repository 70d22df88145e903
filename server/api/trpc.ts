import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { AppError, errorCodeInfo, type TErrorCode } from "../errors.ts";
import { assertJsonDepth } from "../http/json-depth.ts";
import type { TActorDeps } from "../services/context.ts";
import type { TAppContext } from "./context.ts";

/** Domain errors become tRPC errors here, once; the app code and details travel in `data`. */
function toTRPCError(e: unknown): unknown {
  if (e instanceof AppError) return new TRPCError({ code: errorCodeInfo(e.code).trpc, message: e.message, cause: e });
  return e;
}

/** The app code, details and client-safe message of any error a procedure ends with. */
export function describeError(error: TRPCError): { appCode: TErrorCode; details: Record<string, unknown> | undefined; message: string } {
  const cause = error.cause;
  if (cause instanceof AppError) return { appCode: cause.code, details: cause.details, message: cause.message };
  if (cause instanceof z.ZodError) {
    const first = cause.issues[0];
    return {
      appCode: "INVALID_INPUT",
      details: { issues: cause.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
      message: first ? `Invalid input: ${first.path.join(".") || "(root)"}: ${first.message}` : "Invalid input",
    };
  }
  const byTrpcCode: Partial<Record<TRPCError["code"], TErrorCode>> = {
    UNAUTHORIZED: "UNAUTHENTICATED",
    FORBIDDEN: "FORBIDDEN",
    NOT_FOUND: "NOT_FOUND",
    BAD_REQUEST: "INVALID_INPUT",
    PARSE_ERROR: "INVALID_INPUT",
    PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
    METHOD_NOT_SUPPORTED: "METHOD_NOT_ALLOWED",
    UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  };
  const appCode = byTrpcCode[error.code] ?? "INTERNAL";
  // Never leak internals of unexpected errors to the client.
  return { appCode, details: undefined, message: appCode === "INTERNAL" ? "Internal error" : error.message };
}

const t = initTRPC.context<TAppContext>().create({
  errorFormatter({ shape, error }) {
    const { appCode, details, message } = describeError(error);
    // No stack trace in responses, in any environment.
    const { code, httpStatus, path } = shape.data;
    return { ...shape, message, data: { code, httpStatus, path, appCode, details } };
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

/**
 * Before any input schema runs: zod and the services walk inputs recursively (deep JSON would end in a 500), and
 * what is stored cannot hold NUL characters (PostgreSQL refuses them: a 500 too).
 */
const limitInputDepth = t.middleware(async ({ getRawInput, next }) => {
  assertJsonDepth(await getRawInput(), "The input", undefined, true);
  return next();
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** No session needed: only setup, sign-in and the setup status use this. */
export const publicProcedure = t.procedure.use(mapErrors).use(limitInputDepth);

/** Requires a signed-in user; services still check the role for each use case. */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  const deps: TActorDeps = { db: ctx.db, actor: ctx.user };
  return next({ ctx: { ...ctx, user: ctx.user, deps } });
});
