import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { openDatabase, type Database } from "./db/client.ts";
import { env, invocationJournalDir, pgliteDir } from "./env.ts";
import { createAppServer } from "./http/app-server.ts";
import { createMetrics } from "./http/metrics.ts";
import { ServingContext } from "./http/serving/serving-context.ts";
import { bootstrapAdmin } from "./services/auth/setup.ts";
import { startBatchService } from "./services/batches/batch-service.ts";
import { startInvocationLog } from "./services/invocations/start-invocation-log.ts";
import { createModelRuntime } from "./services/models/model-runtime.ts";
import type { TEngineDeps } from "./services/runs/engine-deps.ts";
import { ResponseCache } from "./services/runs/response-cache.ts";
import { ShadowRunner } from "./services/runs/shadow-runs.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const dev = process.argv.includes("--dev");

async function main() {
  const e = env();
  if (!dev) ensureBuild();

  const db: Database = e.DATABASE_URL
    ? await openDatabase({ kind: "postgres", url: e.DATABASE_URL })
    : await openDatabase({ kind: "pglite", dataDir: pgliteDir(e) });
  const where = db.kind === "pglite" ? `embedded PGlite at ${pgliteDir(e)}` : "PostgreSQL (DATABASE_URL)";
  console.log(`[inferline] database: ${where}; ${db.applied.length ? `applied migrations: ${db.applied.join(", ")}` : "migrations up to date"}`);

  if (await bootstrapAdmin({ db: db.prisma }, e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined)) {
    console.log(`[inferline] created admin ${e.ADMIN_EMAIL} from ADMIN_EMAIL/ADMIN_PASSWORD`);
  }
  await db.prisma.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });

  // Invocation log: interrupted runs marked abandoned, group-commit writer, retention job (docs/ARCHITECTURE.md).
  const responseCache = e.RESPONSE_CACHE_MAX_BYTES > 0 ? new ResponseCache(e.RESPONSE_CACHE_MAX_BYTES) : undefined;
  const metrics = createMetrics({ inference: () => runtime.pool.stats(), serving: () => serving.stats(), log: () => invocations.writer.stats(), shadows: () => shadows.stats(), ...(responseCache ? { responseCache: () => responseCache.stats() } : {}) });
  const invocations = await startInvocationLog(db, { url: e.DATABASE_URL, journalDir: invocationJournalDir(e), retention: { days: e.INVOCATION_RETENTION_DAYS }, writer: { onWrite: metrics.logWrite, durability: e.INVOCATION_LOG_DURABILITY } });
  if (invocations.replayed) console.log(`[inferline] wrote ${invocations.replayed} finished run(s) from the run journal to the invocation log`);
  if (invocations.abandoned) console.log(`[inferline] marked ${invocations.abandoned} interrupted run(s) abandoned in the invocation log`);

  // Inference runs in supervised worker processes, off this event loop (see docs/ARCHITECTURE.md).
  const runtime = createModelRuntime({ db: db.prisma, env: e }, { defaultTimeoutMs: e.RUN_TIMEOUT_MS, onBatch: metrics.inferenceBatch });
  const shadows = new ShadowRunner(e.SHADOW_MAX_IN_FLIGHT);
  const engine: TEngineDeps = { shadows, models: runtime.runner, runTimeoutMs: e.RUN_TIMEOUT_MS, payloadMaxBytes: e.INVOCATION_PAYLOAD_MAX_BYTES, invocations: invocations.writer, observer: metrics, ...(responseCache ? { responseCache } : {}) };
  const serving = new ServingContext(db, engine, { maxBodyBytes: e.API_MAX_BODY_BYTES, maxConcurrentRuns: e.MAX_CONCURRENT_RUNS, maxQueued: e.MAX_QUEUED_RUNS });
  // Batch jobs: pg-boss in this database; this process runs them too unless BATCH_RUNNER=off (workers: npm run worker).
  const batches = await startBatchService(db, e, { engine, instance: invocations.lease?.instance ?? null, run: e.BATCH_RUNNER === "inline" });
  serving.batches = { queue: batches.queue, limits: batches.limits };
  console.log(`[inferline] batch jobs: ${batches.runner ? "run in this process" : "left to worker processes (BATCH_RUNNER=off)"}`);

  const app = next({ dev, dir: ROOT, hostname: e.HOST, port: e.PORT });
  const handle = app.getRequestHandler();
  const server = createAppServer({
    db,
    context: { sessionConfig: { secret: e.SESSION_SECRET, ttlDays: e.SESSION_TTL_DAYS }, secureCookies: e.SECURE_COOKIES === "1", engine, servingChanged: () => serving.invalidate(), batches: batches.queue },
    models: runtime.files,
    serving,
    metrics: { metrics, token: e.METRICS_TOKEN },
    datasets: batches.limits,
    connection: { requestTimeoutMs: e.REQUEST_TIMEOUT_MS, headersTimeoutMs: e.HEADERS_TIMEOUT_MS },
    next: (req, res) => handle(req, res),
  });

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.log(`[inferline] ${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close();
    server.closeAllConnections();
    await app.close().catch(() => {});
    await batches.close().catch(() => {});
    await runtime.close().catch(() => {});
    // After the runs in flight finished: their outcomes are the last rows written.
    await invocations.close().catch(() => {});
    // PGlite must be closed cleanly, or the next start runs crash recovery.
    await db.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  await app.prepare();
  server.listen(e.PORT, e.HOST, () => {
    const shown = e.HOST === "0.0.0.0" || e.HOST === "::" ? "localhost" : e.HOST;
    console.log(`[inferline] ready on http://${shown}:${e.PORT}${dev ? " (dev)" : ""}`);
  });
}

/** `npm start` right after `npm install` works: build the Next app when there is no build yet. */
function ensureBuild() {
  if (existsSync(path.join(ROOT, ".next", "BUILD_ID"))) return;
  console.log("[inferline] no production build found: running `next build` (once)…");
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  const r = spawnSync(process.execPath, [nextBin, "build"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status ?? r.signal})`);
}

main().catch((err: unknown) => {
  console.error("[inferline] failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
