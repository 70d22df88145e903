import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshPostgresDatabase, type TFreshPostgres } from "../helpers/databases.ts";
import { httpClient, startServer, type TServerProcess } from "../helpers/server-process.ts";
import { IRIS_ROW } from "../helpers/iris.ts";
import { startWorker, type TWorkerProcess } from "../helpers/worker-process.ts";
import { ROOT } from "./harness.ts";

/**
 * compose.yaml's topology without containers: two app replicas (BATCH_RUNNER=off, as in compose) and one batch
 * worker on one PostgreSQL database, behind Debian's nginx running the repository's own deploy/nginx/proxy.conf.
 * A batch is created through nginx, and REST load through nginx reaches both replicas; one replica is killed
 * (SIGKILL) mid-load; every call that got an answer is in the invocation log exactly once, the killed replica's
 * interrupted runs are logged as abandoned when it comes back, and the batch completes on the worker.
 */
const NGINX = process.env.NGINX_PATH ?? "/usr/sbin/nginx";
const PORTS = { a: Number(process.env.E2E_SCALE_PORT_A ?? 3230), b: Number(process.env.E2E_SCALE_PORT_B ?? 3231), nginx: Number(process.env.E2E_SCALE_PORT_LB ?? 3239) };
const ADMIN = { ADMIN_EMAIL: "ops@example.com", ADMIN_PASSWORD: "scale-out-password" };
const BATCH_ROWS = 3000;

interface TCall {
  status: number | "network";
  invocationId?: string;
}

describe("scale-out: two replicas and nginx on one PostgreSQL database", () => {
  let db: TFreshPostgres;
  let dir: string;
  let nginx: ChildProcess | undefined;
  const servers: Partial<Record<"a" | "b", TServerProcess>> = {};
  let worker: TWorkerProcess | undefined;
  let lb = "";
  let key = "";

  const replicaEnv = (name: string) => ({ DATABASE_URL: db.url, DATA_DIR: path.join(dir, name), INFERENCE_WORKERS: "1", BATCH_RUNNER: "off", ...ADMIN });

  beforeAll(async () => {
    expect(existsSync(NGINX), `nginx is needed for this test (apt-get install nginx), looked for ${NGINX}`).toBe(true);
    db = await freshPostgresDatabase();
    dir = await mkdtemp(path.join(tmpdir(), "inferline-scale-"));
    // One at a time: the first start applies the migrations.
    servers.a = await startServer(PORTS.a, replicaEnv("a"));
    servers.b = await startServer(PORTS.b, replicaEnv("b"));
    worker = startWorker({ DATABASE_URL: db.url, DATA_DIR: path.join(dir, "worker") });
    await worker.instance;
    nginx = await startNginx(dir, [PORTS.a, PORTS.b], PORTS.nginx);
    lb = `http://127.0.0.1:${PORTS.nginx}`;

    const c = httpClient(lb);
    expect((await c.mutate("auth.signIn", { email: ADMIN.ADMIN_EMAIL, password: ADMIN.ADMIN_PASSWORD })).status).toBe(200);
    const installed = await c.mutate("examples.install", {});
    expect(installed.status, JSON.stringify(installed.body)).toBe(200);
    key = ((await c.mutate("apiKeys.create", { name: "load", pipelines: [] })).body.result?.data as { key: string }).key;
  }, 300_000);

  afterAll(async () => {
    nginx?.kill("SIGTERM");
    await Promise.all([...Object.values(servers).map((s) => s?.stop()), worker?.stop()]);
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("spreads REST load over both replicas; killing one mid-load loses no answered call and logs its interrupted runs; a batch completes on the worker", async () => {
    const invoke = async (): Promise<TCall> => {
      try {
        const res = await fetch(`${lb}/api/v1/pipelines/iris-classifier/invoke`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ flower: IRIS_ROW }) });
        const text = await res.text();
        let id: string | undefined;
        try {
          id = (JSON.parse(text) as { invocation_id?: string }).invocation_id;
        } catch {
          /* nginx's own 502 page */
        }
        return { status: res.status, ...(id ? { invocationId: id } : {}) };
      } catch {
        return { status: "network" };
      }
    };

    // A batch over REST through nginx (the replicas only queue it; the worker runs it while the load goes on).
    const rowsCsv = ["sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm", ...Array.from({ length: BATCH_ROWS }, (_, i) => [IRIS_ROW.sepal_length_cm, IRIS_ROW.sepal_width_cm, IRIS_ROW.petal_length_cm, (IRIS_ROW.petal_width_cm + (i % 10) * 0.01).toFixed(2)].join(","))].join("\n");
    const created = await fetch(`${lb}/api/v1/pipelines/iris-classifier@production/batches`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "text/csv" }, body: rowsCsv });
    expect(created.status, await created.clone().text()).toBe(202);
    const batchId = ((await created.json()) as { id: string }).id;

    const calls: TCall[] = [];
    const deadline = Date.now() + 6000;
    const killAt = Date.now() + 2000;
    let killed = false;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() < deadline) {
          if (!killed && Date.now() >= killAt) {
            killed = true;
            servers.a!.child.kill("SIGKILL");
          }
          calls.push(await invoke());
        }
      }),
    );
    expect(killed).toBe(true);

    const answered = calls.filter((c) => c.invocationId);
    const ok = answered.filter((c) => c.status === 200);
    const unanswered = calls.filter((c) => !c.invocationId);
    // nginx sends new calls to the surviving replica; only calls already inside the killed one go unanswered.
    expect(ok.length).toBeGreaterThan(100);
    expect(unanswered.length).toBeLessThanOrEqual(8 + 1);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const ids = answered.map((c) => c.invocationId!);
      expect(new Set(ids).size).toBe(ids.length);
      // The killed replica comes back on its own data directory: its run journal is replayed — rows of calls it
      // answered that had not reached the database yet (durability `journal`, the default) are written as they
      // were, and its interrupted runs become `abandoned` rows.
      servers.a = await startServer(PORTS.a, replicaEnv("a"));
      // The surviving replica ships its last rows within its shipping delay (tens of ms): poll briefly.
      const answeredRows = () => client.query<{ id: string; status: string; instance: number | null }>(`SELECT id, status, instance FROM "Invocation" WHERE id = ANY($1::uuid[])`, [ids]);
      let rows = await answeredRows();
      for (let i = 0; i < 50 && rows.rowCount !== ids.length; i++) {
        await new Promise((r) => setTimeout(r, 100));
        rows = await answeredRows();
      }
      // Every answered call is logged, once, with the outcome it was answered with.
      expect(rows.rowCount).toBe(ids.length);
      expect(rows.rows.filter((r) => r.status === "ok").length).toBe(ok.length);
      // Both replicas served calls (each writes its own instance number into the rows it logs).
      expect(new Set(rows.rows.map((r) => r.instance)).size).toBe(2);
      const answeredIds = new Set(ids);
      const all = await client.query<{ id: string; status: string; instance: number | null }>(`SELECT id, status, instance FROM "Invocation" WHERE source = 'rest'`);
      expect(all.rows.filter((r) => r.status === "running")).toEqual([]);
      // Rows of calls that got no answer: runs the killed replica had started (abandoned) or had even finished
      // and committed when it died, before its answer got out. All from that one replica, at most one per lost call.
      const extra = all.rows.filter((r) => !answeredIds.has(r.id));
      expect(extra.length).toBeLessThanOrEqual(unanswered.length);
      expect(new Set(extra.map((r) => r.instance)).size).toBeLessThanOrEqual(1);
      expect(extra.every((r) => ["abandoned", "ok", "error"].includes(r.status))).toBe(true);
      const abandoned = extra.filter((r) => r.status === "abandoned").length;
      console.log(`[scale-out] ${calls.length} calls, ${ok.length} ok, ${answered.length - ok.length} answered with a problem, ${unanswered.length} unanswered (inside the killed replica): ${abandoned} logged abandoned, ${extra.length - abandoned} logged as finished before the answer was lost, ${unanswered.length - extra.length} never started`);
    } finally {
      await client.end();
    }
    // And the restarted replica takes traffic through nginx again.
    const after = await Promise.all(Array.from({ length: 8 }, invoke));
    expect(after.every((c) => c.status === 200)).toBe(true);

    // The batch completes on the worker, every row once, each one a `batch` invocation; status read through nginx.
    let status: { status: string; done: number; failed: number; total: number } | undefined;
    for (const t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 250))) {
      const r = await fetch(`${lb}/api/v1/pipelines/iris-classifier/batches/${batchId}`, { headers: { authorization: `Bearer ${key}` } });
      expect(r.status).toBe(200);
      status = (await r.json()) as typeof status;
      if (status!.status !== "queued" && status!.status !== "running") break;
      expect(Date.now() - t0, `batch stuck at ${status!.done}/${status!.total}\n${worker!.output()}`).toBeLessThan(120_000);
    }
    expect(status).toMatchObject({ status: "succeeded", total: BATCH_ROWS, done: BATCH_ROWS, failed: 0 });
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      const linked = () =>
        check.query<{ n: number; distinct: number; linked: number }>(
          `SELECT count(*)::int AS n, count(DISTINCT r."rowIndex")::int AS distinct, count(i.id)::int AS linked FROM "BatchRow" r LEFT JOIN "Invocation" i ON i.id = r."invocationId" AND i.source = 'batch' WHERE r."batchId" = $1`,
          [batchId],
        );
      // The worker's last rows' invocations ship within its log's shipping delay.
      let rows = await linked();
      for (let i = 0; i < 50 && rows.rows[0]!.linked !== BATCH_ROWS; i++) {
        await new Promise((r) => setTimeout(r, 100));
        rows = await linked();
      }
      expect(rows.rows[0]).toEqual({ n: BATCH_ROWS, distinct: BATCH_ROWS, linked: BATCH_ROWS });
    } finally {
      await check.end();
    }
  }, 300_000);
});

/** Debian's nginx with a config around the repository's deploy/nginx/proxy.conf, everything under `dir`. */
async function startNginx(dir: string, upstreams: number[], port: number): Promise<ChildProcess> {
  const prefix = path.join(dir, "nginx");
  await mkdir(prefix, { recursive: true });
  const conf = `
${process.getuid?.() === 0 ? "user root;" : ""}
daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 512; }
http {
  access_log ${prefix}/access.log;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream inferline {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=10s;`).join("\n")}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    include ${path.join(ROOT, "deploy/nginx/proxy.conf")};
  }
}
`;
  const file = path.join(prefix, "nginx.conf");
  await writeFile(file, conf);
  const child = spawn(NGINX, ["-p", prefix, "-c", file], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${log}${await readFile(path.join(prefix, "error.log"), "utf8").catch(() => "")}`);
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`);
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nginx did not start: ${log}`);
}
