import type { Database } from "../../db/client.ts";
import { ABANDONED, abandonedRow, FINISH_SQL, jsonArray } from "./invocation-writer.ts";
import { INSTANCE_LOCK_NAMESPACE } from "./instance-lease.ts";
import { readInterruptedRuns, removeJournals } from "./run-journal.ts";

/**
 * Interrupted runs of this host's dead processes, from their run journals (run-journal.ts): rows recorded
 * finished and not yet shipped (the `journal` durability mode) are written as they are — their callers were
 * answered — and each run begun and never finished gets its row, `abandoned`, with the inputs it started with
 * (or, when a long run already has a `running` row, that row is marked). Then the journals are removed.
 * Returns how many rows it wrote, of each kind.
 */
export async function replayJournals(db: Pick<Database, "prisma">, journalDir: string): Promise<{ replayed: number; abandoned: number }> {
  const { rows, finished, files } = readInterruptedRuns(journalDir);
  const replayed = await writeRows(db, finished);
  const abandoned = await writeRows(db, rows.map(abandonedRow));
  removeJournals(files);
  return { replayed, abandoned };
}

/** The abandoned rows `replayJournals` wrote (see there). */
export async function recoverJournaledRuns(db: Pick<Database, "prisma">, journalDir: string): Promise<number> {
  return (await replayJournals(db, journalDir)).abandoned;
}

/** Whole rows through FINISH_SQL, 200 at a time; returns how many were written. */
async function writeRows(db: Pick<Database, "prisma">, rows: string[]): Promise<number> {
  const write = (batch: string[]) => db.prisma.$executeRawUnsafe(FINISH_SQL, jsonArray(batch));
  let written = 0;
  for (let i = 0; i < rows.length; i += 200) {
    const batch = rows.slice(i, i + 200);
    try {
      written += await write(batch);
    } catch {
      // Some row is refused (e.g. a lone UTF-16 surrogate in its inputs): one by one, a refused row without its
      // payloads, and one refused even so is left out — a bad row must not keep the server from starting.
      await db.prisma.$queryRawUnsafe("SELECT 1"); // the database itself failing does stop the start
      for (const row of batch) {
        try {
          written += await write([row]);
        } catch {
          const bare = { ...(JSON.parse(row) as Record<string, unknown>), inputs: { $unloggable: "the database refused this payload" }, trace: null, outputs: null, truncated: true };
          written += await write([JSON.stringify(bare)]).catch(() => 0);
        }
      }
    }
  }
  return written;
}

/**
 * Marks `abandoned` the rows of runs interrupted by a crash: rows still `running` (long runs) whose process is gone.
 * PGlite is opened by one process only, so at start every `running` row is from a dead one. On PostgreSQL
 * several replicas may share the table: a row is dead when no session holds its instance's advisory lock
 * (see instance-lease.ts); rows without an instance (written without a lease) count as dead at start.
 * Call it at start, after taking this process's lease. Returns how many rows it marked.
 *
 * Cost: `status` has no index (it changes on every run, and an index would make each completion a non-HOT
 * update), so this is one sequential scan of the table at start.
 */
export async function recoverInterruptedRuns(db: Pick<Database, "kind" | "prisma">): Promise<number> {
  const set = `status = 'abandoned', "errorCode" = '${ABANDONED.errorCode}', "errorMessage" = '${ABANDONED.errorMessage.replaceAll("'", "''")}'`;
  if (db.kind === "pglite") return db.prisma.$executeRawUnsafe(`UPDATE "Invocation" SET ${set} WHERE status = 'running'`);
  return db.prisma.$executeRawUnsafe(
    `UPDATE "Invocation" i SET ${set}
     WHERE i.status = 'running' AND NOT EXISTS (
       SELECT 1 FROM pg_locks l
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.classid = $1::int8::oid AND l.objid = i.instance::int8::oid)`,
    INSTANCE_LOCK_NAMESPACE,
  );
}
