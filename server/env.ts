import path from "node:path";
import { z } from "zod";

/** Environment, parsed and validated once. Every setting has a safe default for a local install. */
const ZEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgresql:// URL (leave it unset for the embedded database)")
    .optional(),
  DATA_DIR: z.string().min(1).default("./.data"),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(8, "ADMIN_PASSWORD must be at least 8 characters").optional(),
  SESSION_SECRET: z.string().min(16, "SESSION_SECRET must be at least 16 characters").optional(),
  SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  /** Set to "1" when the app is served over https, so cookies get the Secure flag. */
  SECURE_COOKIES: z.enum(["0", "1"]).default("0"),
  /** "1" behind a reverse proxy that appends the client's address to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for). */
  TRUST_PROXY: z.enum(["0", "1"]).default("0"),
  /** Sign-in brute-force guard (per process): failures per account, and per client address, within the window. */
  SIGN_IN_MAX_FAILURES: z.coerce.number().int().min(1).max(1_000_000).default(10),
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(30),
  SIGN_IN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  /** The whole request (headers and body) must arrive within this (408 past it); headers alone within HEADERS_TIMEOUT_MS. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(300_000),
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(20_000),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  /** Deadline for one pipeline run (editor, API, batch). */
  RUN_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** Published endpoints: largest request body (also after decompression). */
  API_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(20 * 1024 * 1024),
  /** Published endpoints: runs at once, and how many more may wait before 429. */
  MAX_CONCURRENT_RUNS: z.coerce.number().int().min(1).max(10_000).default(64),
  MAX_QUEUED_RUNS: z.coerce.number().int().min(0).max(100_000).default(256),
  /** Shadow copies of alias calls running at once per process; past it a copy is dropped (inferline_shadow_dropped_total). */
  SHADOW_MAX_IN_FLIGHT: z.coerce.number().int().min(0).max(10_000).default(8),
  /** Invocation log: the most it keeps of one run's inputs, and of its outputs (JSON bytes), whatever the pipeline's policy. */
  INVOCATION_PAYLOAD_MAX_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(64 * 1024),
  /**
   * Memory the response cache may hold, in bytes, per process (default 64 MiB; 0 = no response cache). Pipelines
   * opt in one by one (pipeline page → Versions & activity → Response cache).
   */
  RESPONSE_CACHE_MAX_BYTES: z.coerce.number().int().min(0).max(64 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  /** Invocation log rows older than this many days are deleted (in small batches, in the background). */
  INVOCATION_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
  /**
   * When a call is answered relative to its log row: `journal` (default) once the row is on the local disk (the run
   * journal, fsynced; it ships to the database within ~20 ms, and a restart ships what a crash left); `commit` once the
   * database committed it. Both: no call is answered unlogged, and no answered call's row is lost on kill -9.
   */
  INVOCATION_LOG_DURABILITY: z.enum(["journal", "commit"]).default("journal"),
  /** GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>` when set; unset = loopback clients only. */
  METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
  /** Largest model file accepted by upload, in bytes (default 1 GiB; stored as an int, so below 2 GiB). */
  MODEL_MAX_BYTES: z.coerce.number().int().min(1024).max(2 ** 31 - 1).default(1024 ** 3),
  /** Local cache of model files by content hash (default DATA_DIR/models); the database holds the bytes. */
  MODEL_CACHE_DIR: z.string().min(1).optional(),
  /** Inference worker processes (default: one per core but one, at least one). */
  INFERENCE_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  /**
   * Batch jobs: `inline` = this web process also runs batch chunks (the default; the only choice on the embedded
   * database, which one process opens); `off` = it only queues them, for `npm run worker` processes to run.
   */
  BATCH_RUNNER: z.enum(["inline", "off"]).default("inline"),
  /** Largest batch dataset upload (CSV, JSONL or zip), in bytes. */
  BATCH_MAX_BYTES: z.coerce.number().int().min(1024).max(2 ** 31 - 1).default(512 * 1024 * 1024),
  /** Most rows (or zip entries) in one dataset. */
  BATCH_MAX_ROWS: z.coerce.number().int().min(1).max(10_000_000).default(1_000_000),
  /** Batch rows run at once per process (they share the inference pool with the endpoints). */
  BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(8),
});

export type TEnv = z.infer<typeof ZEnv>;

export function parseEnv(source: NodeJS.ProcessEnv = process.env): TEnv {
  const result = ZEnv.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  if ((result.data.ADMIN_EMAIL === undefined) !== (result.data.ADMIN_PASSWORD === undefined)) {
    throw new Error("Invalid environment:\n  ADMIN_EMAIL and ADMIN_PASSWORD must be set together");
  }
  if (result.data.BATCH_RUNNER === "off" && !result.data.DATABASE_URL) {
    throw new Error("Invalid environment:\n  BATCH_RUNNER=off needs DATABASE_URL: on the embedded database no other process can run the batches");
  }
  return result.data;
}

let cached: TEnv | undefined;
export function env(): TEnv {
  return (cached ??= parseEnv());
}

export function pgliteDir(e: TEnv = env()): string {
  return path.resolve(e.DATA_DIR, "pglite");
}

/** This host's run journals of the invocation log (server/services/invocations/run-journal.ts). */
export function invocationJournalDir(e: Pick<TEnv, "DATA_DIR"> = env()): string {
  return path.resolve(e.DATA_DIR, "invocation-journal");
}

export function modelCacheDir(e: Pick<TEnv, "DATA_DIR" | "MODEL_CACHE_DIR"> = env()): string {
  return path.resolve(e.MODEL_CACHE_DIR ?? path.join(e.DATA_DIR, "models"));
}
