// The real serving path for bench/rest-vs-bare: app server (lean path) + inference worker pool + database,
// with the example iris pipeline published and an API key. Reports its port, key and pids to the parent.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { openDatabase, type Database } from "../../server/db/client.ts";
import { createAppServer } from "../../server/http/app-server.ts";
import { ServingContext } from "../../server/http/serving/serving-context.ts";
import { createApiKey } from "../../server/services/api-keys/manage-api-keys.ts";
import { setupAdmin } from "../../server/services/auth/setup.ts";
import { installExamples } from "../../server/services/examples/example-pipelines.ts";
import { createModelRuntime } from "../../server/services/models/model-runtime.ts";

const dataDir = await mkdtemp(path.join(tmpdir(), "inferline-bench-"));
let db: Database;
const pgUrl = process.env.BENCH_DATABASE_URL;
if (pgUrl) {
  // A fresh database on the given server, so runs do not interfere.
  const name = `inferline_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  db = await openDatabase({ kind: "postgres", url: u.toString() });
} else db = await openDatabase({ kind: "pglite", dataDir: path.join(dataDir, "pglite") });

const runtime = createModelRuntime({ db: db.prisma, env: { DATA_DIR: dataDir, MODEL_CACHE_DIR: undefined, MODEL_MAX_BYTES: 64 * 1024 * 1024, INFERENCE_WORKERS: Number(process.env.BENCH_WORKERS ?? 1) } });
const engine = { models: runtime.runner, runTimeoutMs: 30_000, payloadMaxBytes: 64 * 1024 };
const user = await setupAdmin({ db: db.prisma }, { email: "bench@example.com", name: "Bench", password: "bench-password" });
const actor = { id: user.id, email: user.email, name: user.name, role: user.role };
await installExamples({ db: db.prisma, actor }, runtime.files, engine);
const { key } = await createApiKey({ db: db.prisma, actor }, { name: "bench", pipelines: [] });
const serving = new ServingContext(db, engine, { maxBodyBytes: 1024 * 1024, maxConcurrentRuns: 256, maxQueued: 4096 });
const server = createAppServer({
  db,
  context: { sessionConfig: { secret: undefined, ttlDays: 1 }, secureCookies: false, engine },
  serving,
  next: (_req, res) => void res.writeHead(404).end(),
});
server.listen(0, "127.0.0.1", () => {
  const port = (server.address() as { port: number }).port;
  const workers = runtime.pool.stats().workers.map((w) => w.pid).filter((p): p is number => typeof p === "number");
  process.send?.({ port, key, pids: [process.pid, ...workers], database: db.kind });
});
process.on("SIGTERM", async () => {
  server.close();
  await runtime.close();
  await db.close();
  process.exit(0);
});
