/**
 * Coded domain errors. Services and the engine throw these; server/api/trpc.ts and server/http map
 * them to tRPC error codes and RFC 9457 problem+json in one place (see `errorCodeInfo`).
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: { status: 401, trpc: "UNAUTHORIZED", title: "Sign-in required" },
  INVALID_CREDENTIALS: { status: 401, trpc: "UNAUTHORIZED", title: "Wrong email or password" },
  FORBIDDEN: { status: 403, trpc: "FORBIDDEN", title: "Not allowed" },
  SETUP_ALREADY_DONE: { status: 409, trpc: "CONFLICT", title: "Setup has already been completed" },
  NOT_FOUND: { status: 404, trpc: "NOT_FOUND", title: "Not found" },
  INVALID_INPUT: { status: 400, trpc: "BAD_REQUEST", title: "Invalid input" },
  INVALID_SLUG: { status: 400, trpc: "BAD_REQUEST", title: "Invalid slug" },
  SLUG_TAKEN: { status: 409, trpc: "CONFLICT", title: "Slug already in use" },
  EMAIL_TAKEN: { status: 409, trpc: "CONFLICT", title: "Email already in use" },
  INVALID_GRAPH: { status: 400, trpc: "BAD_REQUEST", title: "Invalid pipeline graph" },
  DRAFT_CONFLICT: { status: 409, trpc: "CONFLICT", title: "The draft was saved by someone else meanwhile" },
  PIPELINE_ARCHIVED: { status: 409, trpc: "CONFLICT", title: "The pipeline is archived" },
  INVALID_ALIAS: { status: 400, trpc: "BAD_REQUEST", title: "Invalid alias name" },
  LAST_ADMIN: { status: 409, trpc: "CONFLICT", title: "The last admin cannot be demoted" },
  NOT_READY: { status: 503, trpc: "INTERNAL_SERVER_ERROR", title: "Not ready" },
  INTERNAL: { status: 500, trpc: "INTERNAL_SERVER_ERROR", title: "Internal error" },
} as const;

export type TErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: TErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: TErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
}

export function errorCodeInfo(code: TErrorCode) {
  return ERROR_CODES[code];
}

/** Prisma's unique-constraint violation (P2002), as seen through driver adapters too. */
export function isUniqueViolation(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const err = e as { code?: unknown; cause?: { code?: unknown }; message?: unknown };
  return err.code === "P2002" || err.cause?.code === "23505" || (typeof err.message === "string" && err.message.includes("Unique constraint"));
}
