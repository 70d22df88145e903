import type { TPrisma } from "../../db/client.ts";
import type { TModelRunner } from "../../engine/define-node.ts";
import { InferencePool } from "../../engine/runtime/inference-pool.ts";
import type { TBatchExecution, TSessionOptions } from "../../engine/runtime/types.ts";
import { modelCacheDir, type TEnv } from "../../env.ts";
import { createModelCache, type TModelFilesConfig } from "./model-files.ts";

export interface TModelRuntime {
  /** Runs models by hash in supervised worker processes; satisfies the engine's TModelRunner. */
  pool: InferencePool;
  /** The same pool typed as the engine's model runner: `TEngineDeps.models`. */
  runner: TModelRunner;
  /** Local file of a model hash, materialised from the database when missing. */
  resolveModelPath(sha256: string): Promise<string>;
  /** Configuration the upload handler needs (cache directory, size limit). */
  files: TModelFilesConfig;
  /** Stops the workers (after in-flight runs, within a grace period). Call before closing the database. */
  close(): Promise<void>;
}

/**
 * The model runtime of one server process: local cache + inference pool. Create it after the database,
 * close it before the database on shutdown. Stale cache files (models deleted meanwhile) are pruned in
 * the background at start.
 */
export function createModelRuntime(
  { db, env }: { db: TPrisma; env: Pick<TEnv, "DATA_DIR" | "MODEL_CACHE_DIR" | "MODEL_MAX_BYTES" | "INFERENCE_WORKERS"> },
  opts: { sessionOptions?: TSessionOptions; defaultTimeoutMs?: number; onBatch?: (e: TBatchExecution) => void } = {},
): TModelRuntime {
  const cacheDir = modelCacheDir(env);
  const cache = createModelCache({ db, cacheDir });
  const pool = new InferencePool({
    ...(env.INFERENCE_WORKERS === undefined ? {} : { size: env.INFERENCE_WORKERS }),
    resolveModelPath: cache.resolveModelPath,
    ...(opts.sessionOptions ? { sessionOptions: opts.sessionOptions } : {}),
    ...(opts.defaultTimeoutMs === undefined ? {} : { defaultTimeoutMs: opts.defaultTimeoutMs }),
    ...(opts.onBatch ? { onBatch: opts.onBatch } : {}),
  });
  cache.prune().catch((e: unknown) => console.error("[inferline] pruning the model cache failed:", e instanceof Error ? e.message : e));
  return {
    pool,
    runner: pool,
    resolveModelPath: cache.resolveModelPath,
    files: { cacheDir, maxBytes: env.MODEL_MAX_BYTES },
    close: () => pool.close(),
  };
}
