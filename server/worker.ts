import { openDatabase } from "./db/client.ts";
import { env, invocationJournalDir } from "./env.ts";
import { startBatchService } from "./services/batches/batch-service.ts";
import { startInvocationLog } from "./services/invocations/start-invocation-log.ts";
import { createModelRuntime } from "./services/models/model-runtime.ts";
import type { TEngineDeps } from "./services/runs/engine-deps.ts";
import { ResponseCache } from "./services/runs/response-cache.ts";

/**
 * `npm run worker`: a batch worker — takes chunk jobs from the queue and runs them, serves no HTTP. Start as many
 * as you like next to the web processes (BATCH_RUNNER=off there to leave batches to the workers). PostgreSQL only:
 * the embedded database is opened by one process, which then runs the batches itself.
 */
async function main() {
  const e = env();
  if (!e.DATABASE_URL) throw new Error("npm run worker needs DATABASE_URL (on the embedded database, the web process runs the batches itself)");
  const db = await openDatabase({ kind: "postgres", url: e.DATABASE_URL });
  const invocations = await startInvocationLog(db, { url: e.DATABASE_URL, journalDir: invocationJournalDir(e), retention: { days: e.INVOCATION_RETENTION_DAYS }, writer: { durability: e.INVOCATION_LOG_DURABILITY } });
  if (invocations.abandoned) console.log(`[inferline] marked ${invocations.abandoned} interrupted run(s) abandoned in the invocation log`);
  const runtime = createModelRuntime({ db: db.prisma, env: e }, { defaultTimeoutMs: e.RUN_TIMEOUT_MS });
  const engine: TEngineDeps = { models: runtime.runner, runTimeoutMs: e.RUN_TIMEOUT_MS, payloadMaxBytes: e.INVOCATION_PAYLOAD_MAX_BYTES, invocations: invocations.writer, ...(e.RESPONSE_CACHE_MAX_BYTES > 0 ? { responseCache: new ResponseCache(e.RESPONSE_CACHE_MAX_BYTES) } : {}) };
  const batches = await startBatchService(db, e, { engine, instance: invocations.lease?.instance ?? null, run: true });

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.log(`[inferline] worker ${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await batches.close().catch(() => {});
    await runtime.close().catch(() => {});
    await invocations.close().catch(() => {});
    await db.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  console.log(`[inferline] batch worker ready (instance ${invocations.lease?.instance ?? "?"}, ${e.BATCH_CONCURRENCY} rows at once)`);
}

main().catch((err: unknown) => {
  console.error("[inferline] worker failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
