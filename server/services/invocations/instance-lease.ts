import { randomInt } from "node:crypto";
import pg from "pg";

/** Advisory-lock namespace of server instances ("ILOG"); the second key is the instance number. */
export const INSTANCE_LOCK_NAMESPACE = 0x494c4f47;

export interface TInstanceLease {
  /** Stored on every Invocation row this process writes. */
  readonly instance: number;
  close(): Promise<void>;
}

/**
 * PostgreSQL: proof that this process is alive, for other replicas. A dedicated connection holds the
 * session advisory lock (INSTANCE_LOCK_NAMESPACE, instance) for the life of the process; when the process
 * dies (kill -9, OOM, power) the connection drops and PostgreSQL releases the lock, so `running` rows whose
 * instance holds no lock belong to a dead process (recoverInterruptedRuns). A dropped connection is
 * re-established every 2 s; meanwhile another replica starting could mark this process's runs abandoned,
 * which their real outcome then overwrites (finish replaces `abandoned`).
 */
export async function acquireInstanceLease(url: string): Promise<TInstanceLease> {
  const instance = randomInt(1, 2 ** 31 - 1);
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const c = new pg.Client({ connectionString: url, application_name: `inferline instance ${instance}` });
    c.on("error", () => {
      // The connection dropped (database restart, network): the lock is gone with it; take it again.
      if (client === c) client = undefined;
      void c.end().catch(() => {});
      if (!closed) reconnect();
    });
    await c.connect();
    await c.query("SELECT pg_advisory_lock($1, $2)", [INSTANCE_LOCK_NAMESPACE, instance]);
    if (closed) await c.end();
    else client = c;
  };
  const reconnect = () => {
    if (retry || closed) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch(reconnect);
    }, 2_000);
    retry.unref();
  };

  await connect();
  return {
    instance,
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
      client = undefined;
    },
  };
}
