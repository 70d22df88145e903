import type { Database } from "../../db/client.ts";
import { ABANDONED } from "./invocation-writer.ts";
import { INSTANCE_LOCK_NAMESPACE } from "./instance-lease.ts";

/**
 * Marks `abandoned` the rows of runs interrupted by a crash: rows still `running` whose process is gone.
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
