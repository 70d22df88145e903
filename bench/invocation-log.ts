// Benchmark: the cost of the invocation log. The iris example pipeline over REST with the log on (as
// server/main.ts runs it: durability `journal` by default — the whole row fsynced in the run journal before
// the answer, shipped in batches; BENCH_DURABILITY=commit for waiting on the database commit) and off
// (a no-op log; bench/servers/logging-server.ts BENCH_LOG=off), interleaved off/on rounds on fresh databases,
// load from autocannon in this process (each server in its own process). Prints throughput, latency and the
// on/off ratio per database, and CPU per request (server, inference workers and, on PostgreSQL, the database
// backends; other processes on the machine are not counted, so this number holds when the machine is busy);
// checks that every 2xx answer has its row. The ratio line gives the ratio of the mean req/s and of the best
// round's (the round least disturbed by other processes on the machine).
//
//   node --import tsx bench/invocation-log.ts
//   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres   also on PostgreSQL (default: PGlite only)
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=32 BENCH_ROUNDS=2 BENCH_PGLITE=0 (PostgreSQL only)
//   BENCH_LOG_DELAY_MS / BENCH_LOG_IN_FLIGHT (other group-commit settings), BENCH_PROFILE_DIR (--cpu-prof the servers)
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import autocannon from "autocannon";
import pg from "pg";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
// BENCH_PIPELINE=ocr-ppocr-v4: a real-sized model instead (PaddleOCR on the vendored invoice scan, multipart upload),
// to see the log's fixed cost per call against a call that does real work.
const PIPELINE = process.env.BENCH_PIPELINE ?? "iris-classifier";
const PATH = `/api/v1/pipelines/${PIPELINE}/invoke`;
const REQUEST: { body: string | Buffer; contentType: string } =
  PIPELINE === "ocr-ppocr-v4"
    ? (() => {
        const boundary = "inferline-bench-boundary";
        const image = readFileSync(new URL("../test/fixtures/ocr/invoice.jpg", import.meta.url));
        const head = `--${boundary}\r\ncontent-disposition: form-data; name="image"; filename="invoice.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`;
        return { body: Buffer.concat([Buffer.from(head), image, Buffer.from(`\r\n--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
      })()
    : { body: JSON.stringify({ flower: { sepal_length_cm: 6.1, sepal_width_cm: 2.8, petal_length_cm: 4.7, petal_width_cm: 1.2 } }), contentType: "application/json" };

interface TServer {
  child: ChildProcess;
  port: number;
  key: string;
  database: string;
  databaseName: string | null;
}

const TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/**
 * CPU ms (user + system) of the server's process tree (inference workers included) and, apart, of the
 * PostgreSQL backends serving its database (PGlite runs inside the server process).
 */
async function cpuMs(s: TServer, admin: pg.Client | null): Promise<{ server: number; database: number }> {
  const stat = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, "utf8");
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      stat.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      /* exited meanwhile */
    }
  }
  const tree = new Set([s.child.pid!]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, st] of stat) {
      if (tree.has(pid) || !tree.has(st.ppid)) continue;
      tree.add(pid);
      grew = true;
    }
  }
  const backends = admin && s.databaseName ? (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [s.databaseName])).rows.map((r) => r.pid) : [];
  const ms = (pids: Iterable<number>) => {
    let ticks = 0;
    for (const pid of pids) ticks += stat.get(pid)?.ticks ?? 0;
    return (ticks * 1000) / TICKS;
  };
  return { server: ms(tree), database: ms(backends) };
}

function start(log: "on" | "off", databaseUrl: string | undefined): Promise<TServer> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_LOG: log };
    if (databaseUrl) env.BENCH_DATABASE_URL = databaseUrl;
    else delete env.BENCH_DATABASE_URL;
    const child = fork(new URL("./servers/logging-server.ts", import.meta.url), [], { execArgv: ["--import", "tsx", ...(process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [])], env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("message", (m) => resolve({ child, ...(m as { port: number; key: string; database: string; databaseName: string | null }) }));
    child.once("exit", (code) => reject(new Error(`logging-server exited with ${code}`)));
  });
}

function stop(s: TServer): Promise<void> {
  return new Promise((resolve) => {
    s.child.once("exit", () => resolve());
    s.child.kill("SIGTERM");
  });
}

function rows(s: TServer): Promise<{ rows: Record<string, number>; writer: { statements: number; rows: number; unshipped?: number } | null }> {
  return new Promise((resolve) => {
    s.child.once("message", (m) => resolve(m as { rows: Record<string, number>; writer: { statements: number; rows: number; unshipped?: number } | null }));
    s.child.send({ count: true });
  });
}

async function load(s: TServer, seconds: number) {
  return autocannon({ url: `http://127.0.0.1:${s.port}${PATH}`, method: "POST", headers: { "content-type": REQUEST.contentType, authorization: `Bearer ${s.key}` }, body: REQUEST.body, connections: CONNECTIONS, duration: seconds });
}

const databases: (string | undefined)[] = [...(process.env.BENCH_PGLITE === "0" ? [] : [undefined]), ...(process.env.BENCH_DATABASE_URL ? [process.env.BENCH_DATABASE_URL] : [])];
console.log(`${PIPELINE} over REST, ${CONNECTIONS} connections, ${SECONDS}s per point, ${ROUNDS} rounds of off/on, 1 inference worker\n`);
const table: string[][] = [];
for (const url of databases) {
  const admin = url ? new pg.Client({ connectionString: url }) : null;
  await admin?.connect();
  const sums = { off: { rps: 0, cpu: 0, db: 0, n: 0, best: 0 }, on: { rps: 0, cpu: 0, db: 0, n: 0, best: 0 } };
  let database = "";
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 ? (["on", "off"] as const) : (["off", "on"] as const)) {
      const s = await start(mode, url);
      database = s.database;
      try {
        await load(s, 3); // warm-up: model session, plan cache, JIT
        await new Promise((r) => setTimeout(r, 500)); // its last calls drain
        const before = await rows(s);
        const cpu0 = await cpuMs(s, admin);
        const load0 = loadavg()[0]!;
        const r = await load(s, SECONDS);
        const cpu1 = await cpuMs(s, admin);
        const serverUs = ((cpu1.server - cpu0.server) * 1000) / r.requests.total;
        const databaseUs = ((cpu1.database - cpu0.database) * 1000) / r.requests.total;
        // Durability `journal`: answered rows reach the database a few tens of ms after their answers.
        let after = await rows(s);
        for (let i = 0; i < 50 && (after.writer?.unshipped ?? 0) > 0; i++) {
          await new Promise((r) => setTimeout(r, 100));
          after = await rows(s);
        }
        const ok = r["2xx"];
        const logged = (after.rows.ok ?? 0) - (before.rows.ok ?? 0);
        // Calls still in flight when autocannon stops are answered (and logged) uncounted.
        if (mode === "on" && process.env.BENCH_LOG_EXECUTE !== "noop" && (logged < ok || logged > r.requests.sent)) throw new Error(`${ok} answers, ${r.requests.sent} sent, but ${logged} rows`);
        if (r.errors || r.non2xx) throw new Error(`${r.errors} errors, ${r.non2xx} non-2xx`);
        const perStatement = after.writer && after.writer.statements > before.writer!.statements ? ((after.writer.rows - before.writer!.rows) / (after.writer.statements - before.writer!.statements)).toFixed(1) : "-";
        table.push([database, mode, String(round + 1), r.requests.average.toFixed(0), `${r.latency.p50.toFixed(2)} / ${r.latency.p99.toFixed(2)}`, serverUs.toFixed(0), url ? databaseUs.toFixed(0) : "(in server)", mode === "on" ? String(logged) : "-", perStatement, load0.toFixed(1)]);
        console.log(table.at(-1)!.join("  "));
        sums[mode].rps += r.requests.average;
        sums[mode].best = Math.max(sums[mode].best, r.requests.average);
        sums[mode].cpu += serverUs;
        sums[mode].db += databaseUs;
        sums[mode].n++;
      } finally {
        await stop(s);
      }
    }
  }
  const off = sums.off.rps / sums.off.n;
  const on = sums.on.rps / sums.on.n;
  const avg = (m: "on" | "off", k: "cpu" | "db") => sums[m][k] / sums[m].n;
  const total = (m: "on" | "off") => avg(m, "cpu") + avg(m, "db");
  table.push([
    database,
    "on/off",
    "",
    `${(on / off).toFixed(3)} (cost ${((1 - on / off) * 100).toFixed(1)}%); best ${(sums.on.best / sums.off.best).toFixed(3)}`,
    "",
    `×${(avg("on", "cpu") / avg("off", "cpu")).toFixed(3)}`,
    url ? `+${(avg("on", "db") - avg("off", "db")).toFixed(0)} µs (total ×${(total("on") / total("off")).toFixed(3)})` : "",
    "",
    "",
    "",
  ]);
  await admin?.end();
}

const head = ["database", "log", "round", "req/s", "p50 / p99 ms", "server CPU µs/req", "db CPU µs/req", "rows written", "rows/statement", "load avg"];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ");
console.log(line(head));
for (const r of table) console.log(line(r));
