// The real serving path for bench/invocation-log: app server (lean path) + inference worker pool + database
// (fresh), the iris example published, an API key — with the invocation log as server/main.ts starts it
// (BENCH_LOG=on: instance lease, recovery, group-commit writer, retention) or replaced by a no-op
// (BENCH_LOG=off: the bench's switch, nowhere else). Metrics are observed in both modes, as in production.
//   BENCH_DURABILITY=journal|commit   the log's durability mode (default journal, as the server's)
//   BENCH_BATCHING=on                 the iris model node gets dynamic batching (max 64 rows, 500 µs), published as v2
//   BENCH_CACHE=on                    the pipeline's response cache is turned on (a 512 MiB cache)
// Reports its port and key to the parent over IPC; answers {count: true} with the number of REST rows.
import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { openDatabase, type Database } from "../../server/db/client.ts";
import { createAppServer } from "../../server/http/app-server.ts";
import { createMetrics } from "../../server/http/metrics.ts";
import { ServingContext } from "../../server/http/serving/serving-context.ts";
import { createApiKey } from "../../server/services/api-keys/manage-api-keys.ts";
import { setupAdmin } from "../../server/services/auth/setup.ts";
import { installExamples } from "../../server/services/examples/example-pipelines.ts";
import type { TInvocationLog } from "../../server/services/invocations/invocation-writer.ts";
import { startInvocationLog } from "../../server/services/invocations/start-invocation-log.ts";
import { createModelRuntime } from "../../server/services/models/model-runtime.ts";
import type { TEngineDeps } from "../../server/services/runs/engine-deps.ts";
import { ResponseCache } from "../../server/services/runs/response-cache.ts";
import { setAlias } from "../../server/services/aliases/set-alias.ts";
import { getDraft } from "../../server/services/drafts/get-draft.ts";
import { saveDraft } from "../../server/services/drafts/save-draft.ts";
import { setCachePolicy } from "../../server/services/pipelines/set-cache-policy.ts";
import { commitVersion } from "../../server/services/versions/commit-version.ts";

const logging = process.env.BENCH_LOG !== "off";
const dataDir = await mkdtemp(path.join(tmpdir(), "inferline-bench-log-"));
let db: Database;
let url: string | undefined;
const pgUrl = process.env.BENCH_DATABASE_URL;
if (pgUrl) {
  const name = `inferline_bench_log_${process.pid}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  url = u.toString();
  db = await openDatabase({ kind: "postgres", url });
} else db = await openDatabase({ kind: "pglite", dataDir: path.join(dataDir, "pglite") });

const runtime = createModelRuntime({ db: db.prisma, env: { DATA_DIR: dataDir, MODEL_CACHE_DIR: undefined, MODEL_MAX_BYTES: 64 * 1024 * 1024, INFERENCE_WORKERS: Number(process.env.BENCH_WORKERS ?? 1) } });
const setupEngine: TEngineDeps = { models: runtime.runner, runTimeoutMs: 30_000, payloadMaxBytes: 64 * 1024 };
const user = await setupAdmin({ db: db.prisma }, { email: "bench@example.com", name: "Bench", password: "bench-password" });
const actor = { id: user.id, email: user.email, name: user.name, role: user.role };
await installExamples({ db: db.prisma, actor }, runtime.files, setupEngine);
const { key } = await createApiKey({ db: db.prisma, actor }, { name: "bench", pipelines: [] });
const SLUG = "iris-classifier";
if (process.env.BENCH_BATCHING === "on") {
  const d = await getDraft({ db: db.prisma, actor }, SLUG);
  const graph = d.graph as { nodes: { type: string; params: Record<string, unknown> }[] };
  const model = graph.nodes.find((n) => n.type.startsWith("model/onnx@"));
  if (!model) throw new Error("the iris pipeline has no ONNX node");
  model.params = { ...model.params, batching: { maxBatchSize: 64, maxQueueDelayMicroseconds: 500 } };
  await saveDraft({ db: db.prisma, actor }, { slug: SLUG, graph, layout: d.layout, baseRevision: d.revision });
  const v = await commitVersion({ db: db.prisma, actor }, { slug: SLUG, message: "dynamic batching" });
  await setAlias({ db: db.prisma, actor }, { slug: SLUG, alias: "production", version: v.number }, setupEngine);
}
if (process.env.BENCH_CACHE === "on") await setCachePolicy({ db: db.prisma, actor }, { slug: SLUG, enabled: true, ttlSeconds: 3600 });

const metrics = createMetrics({ inference: () => runtime.pool.stats(), serving: () => serving.stats() });
// BENCH_LOG_DELAY_MS / BENCH_LOG_IN_FLIGHT: try other group-commit settings than the defaults.
const tuning = {
  ...(process.env.BENCH_LOG_DELAY_MS ? { maxDelayMs: Number(process.env.BENCH_LOG_DELAY_MS) } : {}),
  ...(process.env.BENCH_LOG_IN_FLIGHT ? { maxInFlight: Number(process.env.BENCH_LOG_IN_FLIGHT) } : {}),
};
// BENCH_LOG_EXECUTE=noop: the writer does everything but run its statements (what the log costs this process).
const noop = process.env.BENCH_LOG_EXECUTE === "noop" ? { execute: () => Promise.resolve() } : {};
const log = logging ? await startInvocationLog(db, { url, journalDir: path.join(dataDir, "invocation-journal"), retention: { days: 30 }, writer: { onWrite: metrics.logWrite, durability: process.env.BENCH_DURABILITY === "commit" ? "commit" : "journal", ...tuning, ...noop } }) : null;
const NO_LOG: TInvocationLog = { begin: () => Promise.resolve(randomUUID()), finish: () => Promise.resolve() };
const engine: TEngineDeps = { ...setupEngine, invocations: log?.writer ?? NO_LOG, observer: metrics, ...(process.env.BENCH_CACHE === "on" ? { responseCache: new ResponseCache(512 * 1024 * 1024) } : {}) };
const serving = new ServingContext(db, engine, { maxBodyBytes: 1024 * 1024, maxConcurrentRuns: 64, maxQueued: 4096 });
const server = createAppServer({
  db,
  context: { sessionConfig: { secret: undefined, ttlDays: 1 }, secureCookies: false, engine },
  serving,
  metrics: { metrics },
  next: (_req, res) => void res.writeHead(404).end(),
});
server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as { port: number }).port, key, database: db.kind, databaseName: url ? new URL(url).pathname.slice(1) : null });
});
process.on("message", (m: { count?: boolean }) => {
  if (!m.count) return;
  void db.prisma.invocation
    .groupBy({ by: ["status"], where: { source: "rest" }, _count: true })
    .then((rows) => process.send?.({ rows: Object.fromEntries(rows.map((r) => [r.status, r._count])), writer: log?.writer.stats() ?? null }));
});
// The bench runner gone (error, Ctrl-C): do not linger with its database.
process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
const step = (what: string) => process.env.BENCH_DEBUG && console.log(`[logging-server] ${what}`);
process.on("SIGTERM", async () => {
  setTimeout(() => process.exit(1), 15_000).unref();
  server.close();
  server.closeAllConnections();
  step("runtime");
  await runtime.close();
  step("log");
  await log?.close();
  step("db");
  await db.close();
  step("drop");
  if (url) {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
    await admin.end();
  }
  process.exit(0);
});
