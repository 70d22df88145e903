import path from "node:path";
import type { Database } from "../../db/client.ts";
import type { TEnv } from "../../env.ts";
import type { TEngineDeps } from "../runs/engine-deps.ts";
import { startBatchRunner, type TBatchRunner } from "./batch-runner.ts";
import type { TIngestLimits } from "./ingest-dataset.ts";
import { BatchQueue } from "./job-queue.ts";

export interface TBatchService {
  queue: BatchQueue;
  /** This process runs chunk jobs (web with BATCH_RUNNER=inline, or a worker). */
  runner: TBatchRunner | null;
  limits: TIngestLimits;
  /** Stops taking jobs, then the queue (jobs in progress go back to it). Call before the runtime and the log close. */
  close(): Promise<void>;
}

/** The batch queue of a server or worker process and, when `run`, its runner. */
export async function startBatchService(
  db: Database,
  e: Pick<TEnv, "DATABASE_URL" | "DATA_DIR" | "BATCH_MAX_BYTES" | "BATCH_MAX_ROWS" | "BATCH_CONCURRENCY" | "API_MAX_BODY_BYTES">,
  opts: { engine: TEngineDeps; instance: number | null; run: boolean },
): Promise<TBatchService> {
  const queue = await BatchQueue.start(db, { url: e.DATABASE_URL });
  try {
    const runner = opts.run ? await startBatchRunner({ db, queue, engine: opts.engine }, { concurrency: e.BATCH_CONCURRENCY, instance: opts.instance }) : null;
    const limits: TIngestLimits = { maxBytes: e.BATCH_MAX_BYTES, maxRows: e.BATCH_MAX_ROWS, maxEntryBytes: e.API_MAX_BODY_BYTES, tmpDir: path.resolve(e.DATA_DIR, "tmp") };
    return {
      queue,
      runner,
      limits,
      async close() {
        await runner?.stop();
        await queue.close();
      },
    };
  } catch (err) {
    await queue.close().catch(() => {});
    throw err;
  }
}
