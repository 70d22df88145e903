import { createHash } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import PgBoss from "pg-boss";
import type { Database } from "../../db/client.ts";

/** One job per dataset chunk of a batch attempt; a job that runs out of retries goes to the dead-letter queue. */
export const CHUNK_QUEUE = "inferline-batch-chunk";
export const DEAD_CHUNK_QUEUE = "inferline-batch-chunk-dead";

export interface TChunkJob {
  batchId: string;
  chunkIndex: number;
  attempt: number;
}

/**
 * The batch job queue: pg-boss (pinned 10.4.2), in the application's database (schema `pgboss`).
 * PostgreSQL: pg-boss's own small pool. Embedded PGlite: pg-boss's bring-your-own `db` over the very PGlite
 * instance the app uses (a second process cannot open it, and pglite-socket pins another PGlite version), see
 * `pgliteExecutor`.
 */
export class BatchQueue {
  private constructor(readonly boss: PgBoss) {}

  static async start(db: Pick<Database, "kind" | "pglite">, opts: { url?: string | undefined }): Promise<BatchQueue> {
    const common = { schema: "pgboss", schedule: false, supervise: true, migrate: true, maintenanceIntervalSeconds: 60 } as const;
    let config: PgBoss.ConstructorOptions;
    if (db.kind === "pglite") config = { ...common, db: pgliteExecutor(db.pglite!) };
    else if (opts.url) config = { ...common, connectionString: opts.url, max: 4, application_name: "inferline batch queue" };
    else throw new Error("The batch queue on PostgreSQL needs the database URL.");
    const boss = new PgBoss(config);
    boss.on("error", (e) => console.error("[inferline] batch queue:", e instanceof Error ? e.message : e));
    await boss.start();
    // Two processes starting at once may race to create a queue's partition: the loser tries again.
    for (let i = 0; ; i++) {
      try {
        await boss.createQueue(DEAD_CHUNK_QUEUE, { name: DEAD_CHUNK_QUEUE, retryLimit: 10, retryDelay: 5, retryBackoff: true });
        // A chunk runs its rows with BATCH_CONCURRENCY at once; an hour is far past any healthy chunk. A dead
        // worker's jobs are failed (and retried) at once by the claim reaper (batch-runner.ts), not at expiry.
        await boss.createQueue(CHUNK_QUEUE, { name: CHUNK_QUEUE, retryLimit: 8, retryDelay: 1, retryBackoff: true, expireInSeconds: 3600, deadLetter: DEAD_CHUNK_QUEUE });
        break;
      } catch (e) {
        if (i >= 3) throw e;
        await new Promise((r) => setTimeout(r, 200 * (i + 1)));
      }
    }
    return new BatchQueue(boss);
  }

  /** Queues the chunks of a batch attempt. Job ids are derived from (batch, chunk, attempt): queueing twice is a no-op. */
  async enqueue(batchId: string, attempt: number, chunkIndexes: number[]): Promise<void> {
    for (let i = 0; i < chunkIndexes.length; i += 1000) {
      const jobs = chunkIndexes.slice(i, i + 1000).map((chunkIndex) => ({ id: chunkJobId(batchId, chunkIndex, attempt), name: CHUNK_QUEUE, data: { batchId, chunkIndex, attempt } satisfies TChunkJob }));
      await this.boss.insert(jobs);
    }
  }

  /** Cancels the attempt's jobs that have not finished (a running one stops starting rows when it sees the batch cancelled). */
  async cancel(batchId: string, attempt: number, chunkIndexes: number[]): Promise<void> {
    for (let i = 0; i < chunkIndexes.length; i += 1000) {
      await this.boss.cancel(CHUNK_QUEUE, chunkIndexes.slice(i, i + 1000).map((c) => chunkJobId(batchId, c, attempt)));
    }
  }

  /** Fails jobs now (retried after their delay): the jobs of a dead worker. */
  async fail(jobIds: string[]): Promise<void> {
    if (jobIds.length) await this.boss.fail(CHUNK_QUEUE, jobIds);
  }

  async close(): Promise<void> {
    // graceful: jobs in progress are failed back to the queue (pg-boss `failWip`), so another worker retries them.
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}

/**
 * A deterministic UUID (version 8, RFC 9562 "custom") from a namespace and parts: a chunk's job id, a row's
 * invocation id. `timeMs` leads the id (like UUIDv7) so a batch's rows sit together in the primary key index.
 */
export function derivedUuid(timeMs: number, ...parts: (string | number)[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  const ts = Math.max(0, Math.floor(timeMs)).toString(16).padStart(12, "0").slice(-12);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-8${h.slice(0, 3)}-${variant}${h.slice(3, 6)}-${h.slice(6, 18)}`;
}

export function chunkJobId(batchId: string, chunkIndex: number, attempt: number): string {
  return derivedUuid(0, "chunk", batchId, chunkIndex, attempt);
}

/**
 * pg-boss's `db.executeSql` on an in-process PGlite. Statements with parameters go through `query`; pg-boss's
 * parameterless scripts through `exec` — those of them written as `BEGIN; …; COMMIT;` (maintenance, migrations,
 * under an advisory transaction lock) run inside `PGlite.transaction`, so a failing script is rolled back on the
 * spot and never leaves the single connection in an aborted transaction for the app's next query.
 */
export function pgliteExecutor(pg: PGlite): { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> } {
  const TX = /^\s*BEGIN;([\s\S]*?)COMMIT;?\s*$/;
  return {
    async executeSql(text, values) {
      if (values && values.length) return pg.query(text, values as never[]);
      const m = TX.exec(text);
      const results = m ? await pg.transaction((tx) => tx.exec(m[1]!)) : await pg.exec(text);
      return results.at(-1) ?? { rows: [] };
    },
  };
}
