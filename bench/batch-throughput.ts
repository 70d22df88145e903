// Benchmark: rows per second of a batch job vs the same rows sent one by one over REST at c=8, in the same run
// on the same PostgreSQL database — and the batch again with two `npm run worker` processes instead of one.
// The web process (bench/servers/batch-server.ts, BATCH_RUNNER=off) serves REST and takes the batch; the
// workers are server/worker.ts, exactly as deployed. Each process gets BENCH_INFERENCE_WORKERS inference
// processes (default 1), so "2 workers" is twice the inference capacity of "1 worker".
//
//   node --import tsx bench/batch-throughput.ts                 (iris: a tabular model, 20k rows)
//   BENCH_PIPELINE=ocr-ppocr-v4 BENCH_ROWS=64                    (PaddleOCR on the vendored invoice scan: a zip of copies)
//   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres (default)
import { fork, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { openDatabase } from "../server/db/client.ts";
import { createApiKey } from "../server/services/api-keys/manage-api-keys.ts";
import { setupAdmin } from "../server/services/auth/setup.ts";
import { installExamples } from "../server/services/examples/example-pipelines.ts";
import { createModelRuntime } from "../server/services/models/model-runtime.ts";
import { makeZip } from "../test/helpers/zip.ts";
import { treeCpuMs } from "./lib/proc-cpu.ts";

const PG = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const PIPELINE = process.env.BENCH_PIPELINE ?? "iris-classifier";
const OCR = PIPELINE === "ocr-ppocr-v4";
const ROWS = Number(process.env.BENCH_ROWS ?? (OCR ? 64 : 20_000));
const INFERENCE_WORKERS = process.env.BENCH_INFERENCE_WORKERS ?? "1";
const ROOT = path.resolve(import.meta.dirname, "..");

// --- a fresh database, seeded with the examples and an API key -------------------------------------------
const name = `inferline_bench_batch_${process.pid}`;
const admin = new pg.Client({ connectionString: PG });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
await admin.query(`CREATE DATABASE "${name}"`);
const u = new URL(PG);
u.pathname = `/${name}`;
const url = u.toString();
const seedDir = await mkdtemp(path.join(tmpdir(), "inferline-bench-batch-seed-"));
const children: ChildProcess[] = [];
let key: string;
{
  const db = await openDatabase({ kind: "postgres", url });
  const runtime = createModelRuntime({ db: db.prisma, env: { DATA_DIR: seedDir, MODEL_CACHE_DIR: undefined, MODEL_MAX_BYTES: 64 * 1024 * 1024, INFERENCE_WORKERS: 1 } });
  const user = await setupAdmin({ db: db.prisma }, { email: "bench@example.com", name: "Bench", password: "bench-password" });
  const actor = { id: user.id, email: user.email, name: user.name, role: user.role };
  await installExamples({ db: db.prisma, actor }, runtime.files, { models: runtime.runner, runTimeoutMs: 60_000, payloadMaxBytes: 64 * 1024 });
  ({ key } = await createApiKey({ db: db.prisma, actor }, { name: "bench", pipelines: [] }));
  await runtime.close();
  await db.close();
}

const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, INFERENCE_WORKERS, NODE_ENV: "production" };
async function cleanup() {
  // SIGTERM first (workers hand their jobs back and write their profiles), SIGKILL what is left after 10 s.
  const live = children.filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(live.map((c) => new Promise<void>((r) => {
    const t = setTimeout(() => c.kill("SIGKILL"), 10_000);
    c.once("exit", () => (clearTimeout(t), r()));
    c.kill("SIGTERM");
  })));
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
  await admin.end().catch(() => {});
  await rm(seedDir, { recursive: true, force: true });
}
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));

function startWeb(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(ROOT, "bench/servers/batch-server.ts"), [], { execArgv: ["--import", "tsx"], env: childEnv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    children.push(child);
    child.once("message", (m) => resolve((m as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`batch-server exited with ${code}`)));
  });
}

async function startWorker(): Promise<ChildProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "inferline-bench-batch-worker-"));
  const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []), "--import", "tsx", "server/worker.ts"], { cwd: ROOT, env: { ...childEnv, DATA_DIR: dataDir }, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("batch worker ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}: ${out}`)));
  });
  return child;
}

// --- the rows: iris measurements (CSV) or copies of the invoice scan (zip) -----------------------------------
const image = OCR ? await readFile(path.join(ROOT, "test/fixtures/ocr/invoice.jpg")) : null;
const flower = (i: number) => ({ sepal_length_cm: 5 + (i % 30) / 10, sepal_width_cm: 2.5 + (i % 10) / 10, petal_length_cm: 1 + (i % 50) / 10, petal_width_cm: 0.1 + (i % 25) / 10 });
const dataset: { body: Buffer; type: string } = OCR
  ? { body: await makeZip(Object.fromEntries(Array.from({ length: ROWS }, (_, i) => [`scan-${i}.jpg`, image!]))), type: "application/zip" }
  : {
      body: Buffer.from(
        ["sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm", ...Array.from({ length: ROWS }, (_, i) => Object.values(flower(i)).join(","))].join("\n"),
      ),
      type: "text/csv",
    };
const boundary = "inferline-bench-boundary";
const restRequest = OCR
  ? {
      body: Buffer.concat([Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="image"; filename="invoice.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`), image!, Buffer.from(`\r\n--${boundary}--\r\n`)]),
      type: `multipart/form-data; boundary=${boundary}`,
    }
  : { body: Buffer.from(JSON.stringify({ flower: flower(7) })), type: "application/json" };

/** CPU ms of our processes (web, workers and their inference processes) and of PostgreSQL (every backend). */
const postmaster = Number((await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")).rows[0]?.pid ?? 0);
const pgRoot = postmaster ? Number((await readFile(`/proc/${postmaster}/stat`, "utf8")).split(") ")[1]!.split(" ")[1]) : 0;
function cpu(): { ours: number; pg: number } {
  return { ours: children.reduce((a, c) => a + (c.pid && c.exitCode === null ? treeCpuMs(c.pid) : 0), 0), pg: pgRoot ? treeCpuMs(pgRoot) : 0 };
}
async function measured<T>(f: () => Promise<T>): Promise<T & { cpuOurs: number; cpuPg: number }> {
  const c0 = cpu();
  const r = await f();
  const c1 = cpu();
  return { ...r, cpuOurs: (c1.ours - c0.ours) / ROWS, cpuPg: (c1.pg - c0.pg) / ROWS };
}

const auth = { authorization: `Bearer ${key}` };
const port = await startWeb();
const base = `http://127.0.0.1:${port}/api/v1/pipelines/${PIPELINE}`;

async function rest(): Promise<{ seconds: number; ok: number }> {
  const t0 = performance.now();
  const r = await autocannon({ url: `${base}/invoke`, method: "POST", headers: { "content-type": restRequest.type, ...auth }, body: restRequest.body, connections: 8, amount: ROWS, timeout: 120 });
  return { seconds: (performance.now() - t0) / 1000, ok: r["2xx"] };
}

async function batch(): Promise<{ seconds: number; done: number; failed: number }> {
  const t0 = performance.now();
  const res = await fetch(`${base}@production/batches`, { method: "POST", headers: { "content-type": dataset.type, ...auth }, body: new Uint8Array(dataset.body) });
  if (res.status !== 202) throw new Error(`POST batches: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  for (;;) {
    const s = (await (await fetch(`${base}/batches/${id}`, { headers: auth })).json()) as { status: string; done: number; failed: number };
    if (s.status !== "queued" && s.status !== "running") {
      if (s.status !== "succeeded") throw new Error(`batch ended ${s.status}`);
      return { seconds: (performance.now() - t0) / 1000, done: s.done, failed: s.failed };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

try {
  console.log(`${PIPELINE}: ${ROWS} rows; PostgreSQL; ${INFERENCE_WORKERS} inference process(es) per Inferline process; ${(await import("node:os")).cpus().length} cores.\n`);
  // Warm-up: models loaded in the web process and the first worker.
  await fetch(`${base}/invoke`, { method: "POST", headers: { "content-type": restRequest.type, ...auth }, body: new Uint8Array(restRequest.body) }).then((r) => r.arrayBuffer());
  const w1 = await startWorker();
  const restRun = await measured(rest);
  const one = await measured(batch);
  await startWorker();
  const two = await measured(batch);
  void w1;
  const rps = (s: number) => ROWS / s;
  console.log(`${"".padEnd(30)} ${"time".padStart(8)}   ${"rows/s".padStart(7)}  ${"CPU ms/row: Inferline".padStart(21)}  ${"PostgreSQL".padStart(10)}`);
  const row = (label: string, r: { seconds: number; cpuOurs: number; cpuPg: number }, note: string) =>
    console.log(`${label.padEnd(30)} ${r.seconds.toFixed(2).padStart(7)} s   ${rps(r.seconds).toFixed(0).padStart(7)}  ${r.cpuOurs.toFixed(3).padStart(21)}  ${r.cpuPg.toFixed(3).padStart(10)}   ${note}`);
  row("REST, c=8 (one call per row)", restRun, `${restRun.ok} answered 2xx`);
  row("batch, 1 worker", one, `${one.done} done, ${one.failed} failed; ${(rps(one.seconds) / rps(restRun.seconds)).toFixed(2)}× REST (goal ≥ 2×)`);
  row("batch, 2 workers", two, `${two.done} done, ${two.failed} failed; ${(rps(two.seconds) / rps(one.seconds)).toFixed(2)}× 1 worker (goal ≥ 1.7×)`);
  if (restRun.ok !== ROWS || one.done !== ROWS || two.done !== ROWS) process.exitCode = 1;
} finally {
  await cleanup();
}
