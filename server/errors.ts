/**
 * Coded domain errors. Services and the engine throw these; server/api/trpc.ts and server/http map
 * them to tRPC error codes and RFC 9457 problem+json in one place (see `errorCodeInfo`).
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: { status: 401, trpc: "UNAUTHORIZED", title: "Sign-in required" },
  INVALID_CREDENTIALS: { status: 401, trpc: "UNAUTHORIZED", title: "Wrong email or password" },
  API_KEY_IN_URL: { status: 401, trpc: "UNAUTHORIZED", title: "API keys are not accepted in the URL" },
  TOO_MANY_ATTEMPTS: { status: 429, trpc: "TOO_MANY_REQUESTS", title: "Too many failed sign-in attempts" },
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
  INVALID_SPLIT: { status: 400, trpc: "BAD_REQUEST", title: "Invalid canary or shadow" },
  LAST_ADMIN: { status: 409, trpc: "CONFLICT", title: "The last admin cannot be demoted" },
  NOT_READY: { status: 503, trpc: "INTERNAL_SERVER_ERROR", title: "Not ready" },
  INTERNAL: { status: 500, trpc: "INTERNAL_SERVER_ERROR", title: "Internal error" },
  MODEL_INVALID: { status: 400, trpc: "BAD_REQUEST", title: "Not a usable ONNX model" },
  MODEL_EXTERNAL_DATA: { status: 400, trpc: "BAD_REQUEST", title: "The model uses external data files" },
  MODEL_UNSUPPORTED_TYPE: { status: 400, trpc: "BAD_REQUEST", title: "The model has inputs or outputs of an unsupported type" },
  MODEL_TOO_LARGE: { status: 413, trpc: "PAYLOAD_TOO_LARGE", title: "The model file is too large" },
  MODEL_IN_USE: { status: 409, trpc: "CONFLICT", title: "The model is used by a pipeline" },
  ASSET_IN_USE: { status: 409, trpc: "CONFLICT", title: "The asset is used by the pipeline" },
  INFERENCE_TIMEOUT: { status: 504, trpc: "GATEWAY_TIMEOUT", title: "Inference took too long" },
  INFERENCE_WORKER_CRASHED: { status: 500, trpc: "INTERNAL_SERVER_ERROR", title: "The inference worker crashed" },
  INFERENCE_FAILED: { status: 422, trpc: "UNPROCESSABLE_CONTENT", title: "Inference failed" },
  // Serving (published pipelines)
  PAYLOAD_TOO_LARGE: { status: 413, trpc: "PAYLOAD_TOO_LARGE", title: "Request body too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, trpc: "UNSUPPORTED_MEDIA_TYPE", title: "Unsupported media type" },
  REQUEST_TIMEOUT: { status: 408, trpc: "TIMEOUT", title: "The request was not received in time" },
  METHOD_NOT_ALLOWED: { status: 405, trpc: "METHOD_NOT_SUPPORTED", title: "Method not allowed" },
  RATE_LIMITED: { status: 429, trpc: "TOO_MANY_REQUESTS", title: "Too many requests" },
  NODE_FAILED: { status: 422, trpc: "UNPROCESSABLE_CONTENT", title: "A pipeline node failed" },
  INVALID_PIPELINE: { status: 422, trpc: "UNPROCESSABLE_CONTENT", title: "The pipeline does not compile" },
  RUN_TIMEOUT: { status: 504, trpc: "GATEWAY_TIMEOUT", title: "The pipeline took too long" },
  RUN_CANCELLED: { status: 499, trpc: "CLIENT_CLOSED_REQUEST", title: "The run was cancelled" },
  PUBLISH_GATE_FAILED: { status: 409, trpc: "CONFLICT", title: "The version fails its samples" },
  // Batch jobs
  DATASET_INVALID: { status: 400, trpc: "BAD_REQUEST", title: "The dataset cannot be read" },
  MAPPING_INVALID: { status: 400, trpc: "BAD_REQUEST", title: "The column mapping does not fit the pipeline" },
  BATCH_CONFLICT: { status: 409, trpc: "CONFLICT", title: "The batch is not in a state that allows this" },
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
