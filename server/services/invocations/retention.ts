import { setTimeout as sleep } from "node:timers/promises";
import type { TPrisma } from "../../db/client.ts";

export interface TRetentionOptions {
  /** Rows whose run started more than this many days ago are deleted. */
  days: number;
  /** Rows per DELETE statement: small, so no statement holds the database (PGlite's single connection) long. */
  batchSize?: number;
  /** Pause between two statements of one sweep, leaving the database to serving. */
  pauseMs?: number;
  /** Time between sweeps; the first one starts after `firstDelayMs`. */
  intervalMs?: number;
  firstDelayMs?: number;
  now?: () => Date;
}

/**
 * Deletes log rows older than `before`, `batchSize` rows per statement with a pause between statements,
 * until none is left (or `signal` aborts). Uses the `startedAt` index. Returns the number of rows deleted.
 */
export async function deleteExpiredInvocations(db: TPrisma, opts: { before: Date; batchSize: number; pauseMs: number; signal?: AbortSignal }): Promise<number> {
  let total = 0;
  for (;;) {
    if (opts.signal?.aborted) return total;
    const n = await db.$executeRaw`
      DELETE FROM "Invocation" WHERE id IN (
        SELECT id FROM "Invocation" WHERE "startedAt" < ${opts.before} LIMIT ${opts.batchSize})`;
    total += n;
    if (n < opts.batchSize) return total;
    try {
      await sleep(opts.pauseMs, undefined, opts.signal ? { signal: opts.signal } : {});
    } catch {
      return total; // aborted
    }
  }
}

export interface TRetentionJob {
  /** Runs one sweep now (tests, tools); resolves with the rows deleted. */
  sweep(): Promise<number>;
  /** Stops the schedule and the sweep in progress (after its current statement). */
  stop(): Promise<void>;
}

/** The background retention job: a sweep every `intervalMs` (default hourly). Errors are logged, never thrown. */
export function startInvocationRetention(db: TPrisma, opts: TRetentionOptions): TRetentionJob {
  const batchSize = opts.batchSize ?? 1000;
  const pauseMs = opts.pauseMs ?? 50;
  const intervalMs = opts.intervalMs ?? 60 * 60 * 1000;
  const now = opts.now ?? (() => new Date());
  const controller = new AbortController();
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const sweep = () => {
    running ??= deleteExpiredInvocations(db, { before: new Date(now().getTime() - opts.days * 86_400_000), batchSize, pauseMs, signal: controller.signal }).finally(() => {
      running = undefined;
    });
    return running;
  };
  const schedule = (ms: number) => {
    if (controller.signal.aborted) return;
    timer = setTimeout(() => {
      sweep()
        .then((n) => n > 0 && console.log(`[inferline] retention: deleted ${n} invocation log rows older than ${opts.days} days`))
        .catch((e: unknown) => console.error("[inferline] retention sweep failed:", e instanceof Error ? e.message : e))
        .finally(() => schedule(intervalMs));
    }, ms);
    timer.unref();
  };
  schedule(opts.firstDelayMs ?? 60_000);

  return {
    sweep,
    async stop() {
      controller.abort();
      clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}
