import pg from "pg";
import type { Database } from "../../db/client.ts";
import { acquireInstanceLease, type TInstanceLease } from "./instance-lease.ts";
import { InvocationWriter, type TExecute, type TInvocationWriterOptions } from "./invocation-writer.ts";
import { recoverInterruptedRuns, replayJournals } from "./recover-interrupted-runs.ts";
import { startInvocationRetention, type TRetentionJob, type TRetentionOptions } from "./retention.ts";

export interface TInvocationLogService {
  writer: InvocationWriter;
  /** Rows of interrupted runs marked abandoned at this start. */
  abandoned: number;
  /** Rows of finished runs a crash left in the journal (`journal` durability mode), written at this start. */
  replayed: number;
  retention: TRetentionJob;
  lease: TInstanceLease | null;
  /** Stops retention, writes what is queued, releases the lease. Call before closing the database. */
  close(): Promise<void>;
}

/**
 * The invocation log of a server process, in start-up order: take the instance lease (PostgreSQL), mark
 * the rows of interrupted runs abandoned, then open the group-commit writer and start the retention job.
 * The server entry (server/main.ts) and the crash test's entry both start it through here.
 */
export async function startInvocationLog(
  db: Database,
  opts: {
    url?: string | undefined;
    retention: TRetentionOptions;
    /** This host's run journals (DATA_DIR/invocation-journal); see run-journal.ts. */
    journalDir: string;
    writer?: Omit<TInvocationWriterOptions, "instance" | "journalDir">;
  },
): Promise<TInvocationLogService> {
  const lease = db.kind === "postgres" && opts.url ? await acquireInstanceLease(opts.url) : null;
  try {
    // Journaled runs first (a long run's `running` row is marked there too), then `running` rows of dead replicas.
    const journaled = await replayJournals(db, opts.journalDir);
    const abandoned = journaled.abandoned + (await recoverInterruptedRuns(db));
    const pool = db.kind === "postgres" && opts.url ? writerPools(opts.url) : null;
    // Group-commit settings measured with bench/invocation-log.ts (docs/ARCHITECTURE.md): PGlite runs on this
    // thread and pays a high fixed cost per statement, so it waits longer to write bigger batches.
    const tuning = pool ? { execute: pool.execute, maxDelayMs: 1, maxInFlight: 1 } : { maxDelayMs: 5, maxInFlight: 1 };
    const writer = new InvocationWriter(db.prisma, { ...tuning, ...opts.writer, instance: lease?.instance ?? null, journalDir: opts.journalDir });
    const retention = startInvocationRetention(db.prisma, opts.retention);
    return {
      writer,
      abandoned,
      replayed: journaled.replayed,
      retention,
      lease,
      async close() {
        await retention.stop();
        await writer.close();
        await pool?.end();
        await lease?.close();
      },
    };
  } catch (e) {
    await lease?.close();
    throw e;
  }
}

/**
 * PostgreSQL: the writer's own connections, the two statements prepared (named) on a generic plan.
 * Measured (docs/ARCHITECTURE.md, invocation log): planning costs PostgreSQL ~0.6–1.3 ms per statement — more
 * than executing a 5-row batch — and a Prisma raw query costs the server ~0.5–1 ms of CPU more than
 * node-postgres; with a group commit every few milliseconds both are paid hundreds of times a second.
 * A generic plan is made once, possibly while the table is empty, when a hash join over a sequential scan
 * looks cheapest; that plan would then scan the whole table on every write (measured: 5× slower serving).
 * These connections run nothing but these statements, so they forbid sequential scans and hash/merge joins:
 * the upsert finds an existing row by primary key.
 *
 * `running` rows of long runs are committed with synchronous_commit off (best effort: the outcome writes the
 * whole row anyway); rows of finished runs are committed synchronously (flushed) before the caller is answered.
 */
function writerPools(url: string): { execute: TExecute; end(): Promise<void> } {
  const planner = "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off -c enable_hashjoin=off -c enable_mergejoin=off";
  const pool = (name: string, options: string) => {
    const p = new pg.Pool({ connectionString: url, max: 2, application_name: `inferline invocation log (${name})`, options });
    p.on("error", () => {}); // an idle connection dropped: the next write reconnects (and its failure is handled there)
    return p;
  };
  const running = pool("running rows", `${planner} -c synchronous_commit=off`);
  const outcomes = pool("outcomes", planner);
  return {
    execute: async (what, sql, params) => {
      if (what === "probe") return outcomes.query(sql);
      return (what === "running" ? running : outcomes).query({ name: `inferline_invocation_${what}`, text: sql, values: params });
    },
    end: async () => {
      await Promise.all([running.end(), outcomes.end()]);
    },
  };
}
