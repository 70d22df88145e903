// The web process for bench/batch-throughput: app server (lean path) + inference worker pool on the PostgreSQL
// database in DATABASE_URL (already seeded by the bench), the invocation log as server/main.ts starts it, and
// the batch queue without a runner (BATCH_RUNNER=off: batches are left to `npm run worker` processes). So REST
// calls and batch rows go through the same code as in production. Reports its port to the parent over IPC.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "../../server/db/client.ts";
import { env } from "../../server/env.ts";
import { createAppServer } from "../../server/http/app-server.ts";
import { ServingContext } from "../../server/http/serving/serving-context.ts";
import { startBatchService } from "../../server/services/batches/batch-service.ts";
import { startInvocationLog } from "../../server/services/invocations/start-invocation-log.ts";
import { createModelRuntime } from "../../server/services/models/model-runtime.ts";
import type { TEngineDeps } from "../../server/services/runs/engine-deps.ts";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("batch-server needs DATABASE_URL");
const dataDir = await mkdtemp(path.join(tmpdir(), "inferline-bench-batch-web-"));
const e = { ...env(), DATA_DIR: dataDir };
const db = await openDatabase({ kind: "postgres", url });
const runtime = createModelRuntime({ db: db.prisma, env: e }, { defaultTimeoutMs: e.RUN_TIMEOUT_MS });
const log = await startInvocationLog(db, { url, journalDir: path.join(dataDir, "invocation-journal"), retention: { days: 30 } });
const engine: TEngineDeps = { models: runtime.runner, runTimeoutMs: e.RUN_TIMEOUT_MS, payloadMaxBytes: e.INVOCATION_PAYLOAD_MAX_BYTES, invocations: log.writer };
const batches = await startBatchService(db, e, { engine, instance: log.lease?.instance ?? null, run: false });
const serving = new ServingContext(db, engine, { maxBodyBytes: e.API_MAX_BODY_BYTES, maxConcurrentRuns: e.MAX_CONCURRENT_RUNS, maxQueued: e.MAX_QUEUED_RUNS });
serving.batches = { queue: batches.queue, limits: batches.limits };
const server = createAppServer({
  db,
  context: { sessionConfig: { secret: undefined, ttlDays: 1 }, secureCookies: false, engine, batches: batches.queue },
  serving,
  next: (_req, res) => void res.writeHead(404).end(),
});
server.listen(0, "127.0.0.1", () => process.send?.({ port: (server.address() as { port: number }).port }));
process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
process.on("SIGTERM", async () => {
  setTimeout(() => process.exit(1), 15_000).unref();
  server.close();
  server.closeAllConnections();
  await batches.close().catch(() => {});
  await runtime.close().catch(() => {});
  await log.close().catch(() => {});
  await db.close().catch(() => {});
  process.exit(0);
});
