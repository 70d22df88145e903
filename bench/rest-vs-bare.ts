// Benchmark: the iris example pipeline over Inferline's REST endpoint vs a bare node:http server running
// the same ONNX model in-process, in the same run — and Inferline with its invocation log on (as in production)
// and off, so the table also shows what logging every call costs. Load comes from autocannon in this process;
// each server runs in its own process so its CPU (including inference workers) is measured from /proc.
// Inferline is bench/servers/logging-server.ts: the server's own start-up of the log (journal, group commit).
//
//   node --import tsx bench/rest-vs-bare.ts            (PGlite; BENCH_DATABASE_URL=postgresql://… for PostgreSQL)
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=1,8,64
import { fork, type ChildProcess } from "node:child_process";
import autocannon from "autocannon";
import { treeCpuMs } from "./lib/proc-cpu.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,8,64").split(",").map(Number);
const BODY = JSON.stringify({ flower: { sepal_length_cm: 6.1, sepal_width_cm: 2.8, petal_length_cm: 4.7, petal_width_cm: 1.2 } });

interface TStarted {
  child: ChildProcess;
  port: number;
  key?: string;
  database?: string;
}

function start(script: string, execArgv: string[] = [], env: Record<string, string> = {}): Promise<TStarted> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL(script, import.meta.url), [], { execArgv, env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("message", (m) => resolve({ child, ...(m as { port: number; key?: string; database?: string }) }));
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

interface TResult {
  rps: number;
  p50: number;
  p99: number;
  cpuPerReqUs: number;
  errors: number;
}

async function load(target: TStarted, path: string, connections: number, seconds: number): Promise<TResult> {
  const headers: Record<string, string> = { "content-type": "application/json", ...(target.key ? { authorization: `Bearer ${target.key}` } : {}) };
  const cpu0 = treeCpuMs(target.child.pid!);
  const r = await autocannon({ url: `http://127.0.0.1:${target.port}${path}`, method: "POST", headers, body: BODY, connections, duration: seconds });
  const cpu1 = treeCpuMs(target.child.pid!);
  const total = r.requests.total;
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuPerReqUs: total ? ((cpu1 - cpu0) * 1000) / total : NaN,
    errors: r.errors + r.non2xx,
  };
}

const bare = await start("./servers/bare-server.mjs");
const inferline = await start("./servers/logging-server.ts", ["--import", "tsx"], { BENCH_LOG: "on" });
const unlogged = await start("./servers/logging-server.ts", ["--import", "tsx"], { BENCH_LOG: "off" });
console.log(`Inferline on ${inferline.database}; ${SECONDS}s per point; CPU includes inference workers.\n`);

// Check both answer the same prediction before timing anything.
const check = async (s: TStarted, path: string) => (await (await fetch(`http://127.0.0.1:${s.port}${path}`, { method: "POST", headers: { "content-type": "application/json", ...(s.key ? { authorization: `Bearer ${s.key}` } : {}) }, body: BODY })).json()) as { outputs: { label: string } };
const [a, b] = [await check(bare, "/"), await check(inferline, "/api/v1/pipelines/iris-classifier/invoke")];
if (a.outputs.label !== b.outputs.label) throw new Error(`predictions differ: ${a.outputs.label} vs ${b.outputs.label}`);

const INVOKE = "/api/v1/pipelines/iris-classifier/invoke";
const rows: string[][] = [];
for (const c of CONNECTIONS) {
  await load(bare, "/", c, 1); // warm-up
  await load(inferline, INVOKE, c, 1);
  await load(unlogged, INVOKE, c, 1);
  const base = await load(bare, "/", c, SECONDS);
  const ours = await load(inferline, INVOKE, c, SECONDS);
  const off = await load(unlogged, INVOKE, c, SECONDS);
  rows.push([
    String(c),
    base.rps.toFixed(0),
    ours.rps.toFixed(0),
    off.rps.toFixed(0),
    `${((1 - ours.rps / off.rps) * 100).toFixed(1)}%`,
    `${base.p50.toFixed(2)} / ${base.p99.toFixed(2)}`,
    `${ours.p50.toFixed(2)} / ${ours.p99.toFixed(2)}`,
    `${((ours.p50 - base.p50) * 1000).toFixed(0)}`,
    base.cpuPerReqUs.toFixed(0),
    ours.cpuPerReqUs.toFixed(0),
    (ours.cpuPerReqUs / base.cpuPerReqUs).toFixed(2),
    off.cpuPerReqUs.toFixed(0),
    String(base.errors + ours.errors + off.errors),
  ]);
}
const header = ["c", "bare req/s", "inferline req/s", "inferline, log off req/s", "logging cost", "bare p50/p99 ms", "inferline p50/p99 ms", "added p50 µs", "bare CPU µs/req", "inferline CPU µs/req", "CPU ratio", "log off CPU µs/req", "errors"];
console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);

for (const s of [bare, inferline, unlogged]) s.child.kill("SIGTERM");
