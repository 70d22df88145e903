// Benchmark (issue 12): the iris example pipeline over Inferline's REST endpoint vs a bare node:http server
// running the same ONNX model in-process, in the same run — Inferline with the invocation log on (default
// durability, journal) and dynamic batching on the model node; batching off; the log off; the log in `commit`
// mode; and a response-cache hit (the same body every call). Load comes from autocannon in this process; each
// server runs in its own process so its CPU (including inference workers) is measured from /proc. Inferline is
// bench/servers/logging-server.ts: the server's own start-up of the log (journal, group commit). Prints a row
// per server and concurrency, then the goals with the figure each was judged on.
//
//   node --import tsx bench/rest-vs-bare.ts            (PGlite; BENCH_DATABASE_URL=postgresql://… for PostgreSQL)
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=1,8,64
import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
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

/**
 * c=1 with microsecond latencies (autocannon reports whole milliseconds): one keep-alive connection, one
 * request after another, for `seconds`.
 */
async function sequential(target: TStarted, path: string, seconds: number): Promise<TResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const headers: Record<string, string> = { "content-type": "application/json", "content-length": String(Buffer.byteLength(BODY)), ...(target.key ? { authorization: `Bearer ${target.key}` } : {}) };
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: target.port, path, method: "POST", headers, agent }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end(BODY);
    });
  const times: number[] = [];
  let errors = 0;
  const cpu0 = treeCpuMs(target.child.pid!);
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    const status = await once().catch(() => 0);
    times.push(performance.now() - t0);
    if (status !== 200) errors++;
  }
  const cpu1 = treeCpuMs(target.child.pid!);
  agent.destroy();
  times.sort((a, b) => a - b);
  const q = (f: number) => times[Math.min(times.length - 1, Math.floor(f * times.length))]!;
  return { rps: times.length / seconds, p50: q(0.5), p99: q(0.99), cpuPerReqUs: ((cpu1 - cpu0) * 1000) / times.length, errors };
}

async function load(target: TStarted, path: string, connections: number, seconds: number): Promise<TResult> {
  if (connections === 1) return sequential(target, path, seconds);
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

const INVOKE = "/api/v1/pipelines/iris-classifier/invoke";
const tsx = ["--import", "tsx"];
interface TServer extends TStarted {
  name: string;
  path: string;
}
const named = async (name: string, script: string, env: Record<string, string>, path = INVOKE): Promise<TServer> => ({ name, path, ...(await start(script, script.endsWith(".ts") ? tsx : [], env)) });
// One process each, all started before any timing (each with its own fresh database).
const bare = await named("bare node:http + ORT", "./servers/bare-server.mjs", {}, "/");
const servers: TServer[] = [
  bare,
  await named("Inferline, log on, batching on", "./servers/logging-server.ts", { BENCH_LOG: "on", BENCH_BATCHING: "on" }),
  await named("Inferline, log on, batching off", "./servers/logging-server.ts", { BENCH_LOG: "on" }),
  await named("Inferline, log off, batching on", "./servers/logging-server.ts", { BENCH_LOG: "off", BENCH_BATCHING: "on" }),
  await named("Inferline, log on (commit mode), batching on", "./servers/logging-server.ts", { BENCH_LOG: "on", BENCH_BATCHING: "on", BENCH_DURABILITY: "commit" }),
  await named("Inferline, cache hit (log on, batching on)", "./servers/logging-server.ts", { BENCH_LOG: "on", BENCH_BATCHING: "on", BENCH_CACHE: "on" }),
];
const [headline, noBatching, logOff, , cacheHit] = servers.slice(1) as [TServer, TServer, TServer, TServer, TServer];
console.log(`Inferline on ${headline.database}; log durability journal unless said; ${SECONDS}s per point; CPU includes inference workers.\n`);

// Every server answers the same prediction before anything is timed.
const check = async (s: TServer) => (await (await fetch(`http://127.0.0.1:${s.port}${s.path}`, { method: "POST", headers: { "content-type": "application/json", ...(s.key ? { authorization: `Bearer ${s.key}` } : {}) }, body: BODY })).json()) as { outputs: { label: string } };
const expected = (await check(bare)).outputs.label;
for (const s of servers) {
  const label = (await check(s)).outputs.label;
  if (label !== expected) throw new Error(`predictions differ: ${s.name} says ${label}, bare says ${expected}`);
}

const results = new Map<string, TResult>(); // `${c}|${name}`
const rows: string[][] = [];
for (const c of CONNECTIONS) {
  for (const s of servers) await load(s, s.path, c, 1); // warm-up
  for (const s of servers) results.set(`${c}|${s.name}`, await load(s, s.path, c, SECONDS));
  const base = results.get(`${c}|${bare.name}`)!;
  for (const s of servers) {
    const r = results.get(`${c}|${s.name}`)!;
    rows.push([String(c), s.name, r.rps.toFixed(0), `${(r.rps / base.rps).toFixed(2)}×`, r.p50.toFixed(c === 1 ? 3 : 0), r.p99.toFixed(c === 1 ? 3 : 0), r.cpuPerReqUs.toFixed(0), `${(r.cpuPerReqUs / base.cpuPerReqUs).toFixed(2)}×`, String(r.errors)]);
  }
}
// c=1 is timed by a sequential keep-alive client to the microsecond; higher concurrency by autocannon (whole ms).
const header = ["c", "server", "req/s", "vs bare", "p50 ms", "p99 ms", "CPU µs/req", "CPU vs bare", "errors"];
console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);

// The goals, each with its figure (met or not).
const at = (c: number, s: TServer) => results.get(`${c}|${s.name}`);
const goals: [string, string, boolean][] = [];
const top = Math.max(...CONNECTIONS);
const h = at(top, headline);
const b = at(top, bare);
if (h && b) {
  goals.push([`c=${top}: throughput with batching and the log on ≥ 1.0× bare`, `${(h.rps / b.rps).toFixed(2)}×`, h.rps >= b.rps]);
  goals.push([`c=${top}: CPU per request ≤ 2× bare`, `${(h.cpuPerReqUs / b.cpuPerReqUs).toFixed(2)}×`, h.cpuPerReqUs <= 2 * b.cpuPerReqUs]);
}
for (const c of CONNECTIONS) {
  const on = at(c, headline);
  const off = at(c, logOff);
  if (on && off) {
    const cost = 1 - on.rps / off.rps;
    goals.push([`c=${c}: logging cost (log on vs off, batching on) ≤ 5 %`, `${(cost * 100).toFixed(1)} %`, cost <= 0.05]);
  }
}
const one = at(1, headline);
if (one) goals.push(["c=1: p50 with batching and the log on ≤ 1 ms", `${one.p50.toFixed(3)} ms`, one.p50 <= 1]);
const hit = at(1, cacheHit);
const bare1 = at(1, bare);
if (hit && bare1) goals.push(["c=1: cache hit p50 within 1.2× bare", `${hit.p50.toFixed(3)} vs ${bare1.p50.toFixed(3)} ms (${(hit.p50 / bare1.p50).toFixed(2)}×)`, hit.p50 <= 1.2 * bare1.p50]);
const nb = at(top, noBatching);
if (h && nb) goals.push([`c=${top}: batching on vs off (information)`, `${(h.rps / nb.rps).toFixed(2)}×`, true]);
console.log(`\n| goal | measured | met |\n|---|---|---|`);
for (const [g, m, ok] of goals) console.log(`| ${g} | ${m} | ${ok ? "yes" : "**no**"} |`);

for (const s of servers) s.child.kill("SIGTERM");
