import { mkdtemp, readdir, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { createAppServer } from "@/server/http/app-server.ts";
import type { TConnectionLimits } from "@/server/http/connection-limits.ts";
import { ServingContext, type TServingLimits } from "@/server/http/serving/serving-context.ts";
import { SignInLimiter, type TSignInLimits } from "@/server/services/auth/sign-in-limiter.ts";
import { startBatchService, type TBatchService } from "@/server/services/batches/batch-service.ts";
import type { TEngineDeps } from "@/server/services/runs/engine-deps.ts";
import { SESSION_CONFIG, TestClient } from "../helpers/clients.ts";
import { testEngine } from "../helpers/engine.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";

/**
 * The sweep's server: the real lean-path app server (tRPC, REST, OIP, model and dataset uploads, batches) on a
 * given database, with its files under a fresh DATA_DIR (so a test can check nothing was written elsewhere),
 * its own connection limits (deadlines) if given, and a sign-in limiter of its own.
 */
export interface TSweep {
  db: Database;
  base: string;
  host: string;
  server: Server;
  serving: ServingContext;
  batches: TBatchService;
  dataDir: string;
  /** Where model uploads and dataset temp files go (under dataDir). */
  modelsDir: string;
  admin: TestClient;
  /** Session cookies of an admin, an editor and a viewer, signed in over HTTP. */
  cookies: { admin: string; editor: string; viewer: string };
  /** An API key for every pipeline. */
  key: string;
  close(): Promise<void>;
}

export interface TSweepOptions {
  db: Database;
  /** The PostgreSQL URL (the batch queue opens its own connections); undefined on PGlite. */
  url: string | undefined;
  engine?: TEngineDeps;
  limits?: Partial<TServingLimits>;
  signIn?: TSignInLimits;
  connection?: TConnectionLimits;
  trustProxy?: boolean;
}

export const PASSWORDS = { admin: "password-admin", editor: "password-editor", viewer: "password-viewer" } as const;

export async function startSweep(opts: TSweepOptions): Promise<TSweep> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "inferline-sweep-"));
  const modelsDir = path.join(dataDir, "models");
  const engine = opts.engine ?? testEngine();
  const serving = new ServingContext(opts.db, engine, { maxBodyBytes: 256 * 1024, maxConcurrentRuns: 64, maxQueued: 1000, ...opts.limits });
  const batches = await startBatchService(opts.db, { DATABASE_URL: opts.url, DATA_DIR: dataDir, BATCH_MAX_BYTES: 256 * 1024, BATCH_MAX_ROWS: 1000, BATCH_CONCURRENCY: 4, API_MAX_BODY_BYTES: 64 * 1024 }, { engine, instance: null, run: false }); // batches stay queued: nothing changes rows behind a snapshot
  serving.batches = { queue: batches.queue, limits: batches.limits };
  const server = createAppServer({
    db: opts.db,
    context: {
      sessionConfig: SESSION_CONFIG,
      secureCookies: false,
      engine,
      modelFiles: { cacheDir: modelsDir, maxBytes: 256 * 1024 },
      servingChanged: () => serving.invalidate(),
      batches: batches.queue,
      signInLimiter: new SignInLimiter(opts.signIn),
      trustProxy: opts.trustProxy ?? false,
    },
    maxBodyBytes: 256 * 1024,
    models: { cacheDir: modelsDir, maxBytes: 256 * 1024 },
    datasets: batches.limits,
    ...(opts.connection ? { connection: opts.connection } : {}),
    next: (_req, res) => void res.writeHead(404).end(),
    serving,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = `http://${host}`;

  const admin = new TestClient(opts.db.prisma, engine, () => serving.invalidate(), batches.queue);
  await (await admin.api()).auth.setup({ email: "admin@example.com", name: "Admin", password: PASSWORDS.admin });
  const api = await admin.api(); // with the session cookie setup set
  await api.users.create({ email: "editor@example.com", name: "Ed", password: PASSWORDS.editor, role: "editor" });
  await api.users.create({ email: "viewer@example.com", name: "Vi", password: PASSWORDS.viewer, role: "viewer" });
  await api.pipelines.create({ slug: "toy", name: "Toy" });
  await api.drafts.save({ slug: "toy", graph: toyClassifierGraph(), layout: {}, baseRevision: 1 });
  await api.versions.commit({ slug: "toy", message: "v1" });
  await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
  const key = (await api.apiKeys.create({ name: "all", pipelines: [] })).key;
  const signInHttp = async (who: keyof typeof PASSWORDS) => {
    const res = await fetch(`${base}/api/trpc/auth.signIn`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: `${who}@example.com`, password: PASSWORDS[who] }) });
    expect(res.status, `sign-in of ${who}`).toBe(200);
    return res.headers.get("set-cookie")!.split(";")[0]!;
  };
  const cookies = { admin: await signInHttp("admin"), editor: await signInHttp("editor"), viewer: await signInHttp("viewer") };

  return {
    db: opts.db,
    base,
    host,
    server,
    serving,
    batches,
    dataDir,
    modelsDir,
    admin,
    cookies,
    key,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await batches.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TCall {
  status: number;
  type: string | null;
  headers: Headers;
  body: Record<string, unknown> & { code?: string };
  text: string;
}

async function toCall(res: Response): Promise<TCall> {
  const text = await res.text();
  let body: TCall["body"] = {};
  try {
    body = JSON.parse(text) as TCall["body"];
  } catch {
    // not JSON: the assertions on `text` or `status` say what was expected
  }
  // tRPC errors carry the app code in error.data.appCode: `code` either way.
  const appCode = (body as { error?: { data?: { appCode?: string } } } | null)?.error?.data?.appCode;
  if (appCode && body && typeof body === "object") body.code = appCode;
  return { status: res.status, type: res.headers.get("content-type"), headers: res.headers, body, text };
}

/** A raw HTTP call; `body` strings and buffers go as they are, anything else as JSON. */
export async function call(base: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<TCall> {
  const raw = body === undefined || typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  return toCall(await fetch(`${base}${url}`, { method, headers: { ...(raw !== undefined && !("content-type" in headers) ? { "content-type": "application/json" } : {}), ...headers }, ...(raw !== undefined ? { body: raw as BodyInit } : {}) }));
}

/** A tRPC call over HTTP (query: GET with ?input=, mutation: POST), answered with the app error code as `code`. */
export async function trpc(base: string, kind: "query" | "mutation", procedure: string, input: unknown, headers: Record<string, string> = {}): Promise<TCall> {
  return kind === "query"
    ? toCall(await fetch(`${base}/api/trpc/${procedure}${input === undefined ? "" : `?input=${encodeURIComponent(typeof input === "string" ? input : JSON.stringify(input))}`}`, { headers }))
    : call(base, "POST", `/api/trpc/${procedure}`, input ?? {}, headers);
}

/** Asserts an RFC 9457 problem+json answer with this status and code. */
export function expectProblem(c: TCall, status: number, code: string, what = ""): void {
  expect({ status: c.status, code: c.body.code, what }, c.text.slice(0, 500)).toEqual({ status, code, what });
  expect(c.type, `${what}: content type`).toBe("application/problem+json");
  expect(c.body, what).toMatchObject({ status, code, type: expect.stringMatching(/^https:\/\/inferline\.dev\/problems\//), title: expect.any(String), detail: expect.any(String) });
}

/** Asserts a tRPC error answer with this HTTP status and app code. */
export function expectTrpcError(c: TCall, status: number, code: string, what = ""): void {
  expect({ status: c.status, code: c.body.code, what }, c.text.slice(0, 500)).toEqual({ status, code, what });
}

/**
 * Every application table's row count and content digest: equal snapshots mean nothing was written, changed or
 * deleted. Sessions are left out (signing in writes them by design), and API keys' lastUsedAt (a use is
 * recorded once a minute); pg-boss keeps its own schema.
 */
export async function snapshot(db: Database, except: string[] = ["Session"]): Promise<Record<string, string>> {
  const tables = await db.prisma.$queryRawUnsafe<{ t: string }[]>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`);
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    if (t.startsWith("_prisma") || except.includes(t)) continue;
    const row = `(to_jsonb(x) - 'lastUsedAt')::text`;
    const [r] = await db.prisma.$queryRawUnsafe<{ n: number; h: string }[]>(`SELECT count(*)::int AS n, md5(coalesce(string_agg(${row}, '|' ORDER BY ${row}), '')) AS h FROM "${t}" x`);
    out[t] = `${r!.n}:${r!.h}`;
  }
  return out;
}

/** Waits (up to 5 s) for the database to be back at `before`: work a refused request started is undone after its answer. */
export async function expectUnchanged(db: Database, before: Record<string, string>): Promise<void> {
  let now = await snapshot(db);
  for (let i = 0; i < 50 && JSON.stringify(now) !== JSON.stringify(before); i++) {
    await new Promise((r) => setTimeout(r, 100));
    now = await snapshot(db);
  }
  expect(now).toEqual(before);
}

/** Every file under `dir` (relative paths), to check that nothing was written outside DATA_DIR's own places. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

/** Object.prototype (and Array's, Function's) carry no property a request could have planted. */
export function expectUnpolluted(): void {
  for (const proto of [Object.prototype, Array.prototype, Function.prototype]) {
    for (const name of ["polluted", "isAdmin", "role"]) expect(Object.hasOwn(proto, name), `${name} on a prototype`).toBe(false);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}
