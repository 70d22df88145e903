#!/usr/bin/env node
// Drop-in replacement for Prisma's native `schema-engine` binary, backed by
// @prisma/schema-engine-wasm + @prisma/adapter-pg, so the stock Prisma 7 CLI
// (generate, migrate dev/deploy/status/diff/reset/resolve, db push/pull/execute)
// works offline. Selected with PRISMA_SCHEMA_ENGINE_BINARY (set in prisma.config.ts).
//
// Protocol (what prisma/build/cli.js expects from the binary):
//   schema-engine --version                                   -> prints a version line
//   schema-engine --datasource '{"url":…}' cli <command>      -> can-connect-to-database | create-database
//   schema-engine [--datamodels f]… [--datasource json] …     -> JSON-RPC 2.0, one message per line on
//                                                                stdin/stdout, JSON log lines on stderr
import { readFile } from "node:fs/promises";
import readline from "node:readline";
import pg from "pg";
import { createSchemaEngine, schemaEngineVersion } from "../server/db/migrate/schema-engine.mjs";
import { PrismaPgForMigrate } from "../server/db/migrate/pg-migrate-adapter.mjs";

const argv = process.argv.slice(2);
const opt = (name) => {
  const out = [];
  argv.forEach((a, i) => a === name && argv[i + 1] !== undefined && out.push(argv[i + 1]));
  return out;
};
const log = (level, message, extra = {}) =>
  process.stderr.write(JSON.stringify({ timestamp: new Date().toISOString(), level, fields: { message, ...extra }, target: "schema_engine::logger" }) + "\n");

if (argv.includes("--version") || argv.includes("-V")) {
  process.stdout.write(`schema-engine-cli wasm-${await schemaEngineVersion()}\n`);
  process.exit(0);
}

// A wasm panic can surface outside the awaited promise (inside a wasm-bindgen callback): report
// it the way the native engine does (ERROR log line + exit code 101 = panic for the CLI).
let cleanup = async () => {};
const crash = (e) => {
  const panic = globalThis.PRISMA_WASM_PANIC_REGISTRY?.message;
  log("ERROR", panic || String(e?.stack ?? e), { is_panic: Boolean(panic) });
  const timeout = new Promise((r) => setTimeout(r, 3000).unref());
  Promise.race([cleanup().catch(() => {}), timeout]).finally(() => process.exit(panic ? 101 : 1)); // drop shadow DBs
};
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

const datasource = JSON.parse(opt("--datasource")[0] ?? "{}");
const url = datasource.url;

// ---------- `cli` sub-commands (run once, exit code + JSON log on stderr) ----------
function describeUrl(u) {
  const x = new URL(u);
  return { db: decodeURIComponent(x.pathname.slice(1)) || "postgres", host: `${x.hostname}:${x.port || 5432}` };
}
function knownError(e, u) {
  const { db, host } = describeUrl(u);
  if (e.code === "3D000") return ["P1003", `Database \`${db}\` does not exist on the database server at \`${host}\`.`];
  if (e.code === "28P01" || e.code === "28000") return ["P1000", `Authentication failed against database server at \`${host}\`, the provided database credentials are not valid.`];
  if (["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH"].includes(e.code)) return ["P1001", `Can't reach database server at \`${host}\``];
  return [undefined, e.message];
}
async function withClient(u, fn) {
  const c = new pg.Client({ connectionString: u });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
const cliIdx = argv.indexOf("cli");
if (cliIdx !== -1) {
  const cmd = argv[cliIdx + 1];
  process.stderr.write("schema-engine-wasm shim\n"); // the CLI drops the first stderr line
  try {
    if (cmd === "can-connect-to-database") {
      await withClient(url, (c) => c.query("SELECT 1"));
    } else if (cmd === "create-database") {
      const { db } = describeUrl(url);
      const admin = new URL(url);
      admin.pathname = "/postgres";
      await withClient(admin.toString(), (c) => c.query(`CREATE DATABASE "${db.replaceAll('"', '""')}"`));
      process.stdout.write(`Database '${db}' was successfully created.\n`);
    } else {
      throw new Error(`Unsupported schema-engine cli command: ${cmd}`);
    }
    process.exit(0);
  } catch (e) {
    const [error_code, message] = knownError(e, url);
    log("ERROR", message, error_code ? { error_code } : {});
    process.exit(1);
  }
}

// ---------- JSON-RPC mode ----------
const datamodels = await Promise.all(opt("--datamodels").map(async (p) => [p, await readFile(p, "utf8")]));

/** Adapter factory; an optional datasource.shadowDatabaseUrl replaces the throw-away shadow database. */
class Factory extends PrismaPgForMigrate {
  async connectToShadowDb() {
    if (!datasource.shadowDatabaseUrl) return super.connectToShadowDb();
    const shadow = new PrismaPgForMigrate({ connectionString: datasource.shadowDatabaseUrl });
    const a = await shadow.connect();
    await a.executeScript("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;");
    const dispose = a.dispose.bind(a);
    a.dispose = async () => {
      await dispose();
      await shadow.close();
    };
    return a;
  }
}
const factory = new Factory({ connectionString: url ?? "postgresql://no-datasource-configured.invalid/none" });
cleanup = () => factory.close();
let engine;
const getEngine = () =>
  (engine ??= createSchemaEngine({ datamodels: datamodels.length ? datamodels : undefined, adapterFactory: factory, log: (line) => process.stderr.write(line + "\n") }));

const send = (msg) => process.stdout.write(JSON.stringify(msg) + "\n");
let nextOutId = 1_000_000;
const pendingPrints = new Map();
const print = (content) =>
  new Promise((resolve) => {
    const id = nextOutId++;
    pendingPrints.set(id, resolve);
    send({ jsonrpc: "2.0", id, method: "print", params: { content } });
  });

function toRpcError(e) {
  const panic = globalThis.PRISMA_WASM_PANIC_REGISTRY?.message;
  if (e instanceof WebAssembly.RuntimeError || panic) {
    return { code: 4466, message: "An error happened. Check the data field for details.", data: { is_panic: true, message: panic || String(e), error: { message: panic || String(e) } } };
  }
  const error_code = typeof e?.code === "string" && /^P\d{4}$/.test(e.code) ? e.code : undefined;
  const message = String(e?.message ?? e).replace(/\n\s+0: schema_engine_wasm[\s\S]*$/, "").replace(/\n {3}\d+: [\s\S]*$/, "");
  return { code: 4466, message, data: { is_panic: false, message, error_code, meta: e?.meta } };
}

const SHADOW_CACHE_MISS = /shadow DB must be provided through an external factory/;
const utcStamp = () => new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
async function createMigrationViaDiff(e, params) {
  const { stdout } = await e.diff({
    from: { tag: "migrations", ...params.migrationsList },
    to: { tag: "schemaDatamodel", files: params.schema.files },
    script: true,
    exitCode: null,
    filters: params.filters,
  });
  const empty = !stdout || /^\s*-- This is an empty migration\.\s*$/.test(stdout);
  return {
    connectorType: "postgresql",
    generatedMigrationName: `${utcStamp()}_${params.migrationName}`,
    migrationScript: empty && !params.draft ? null : (stdout ?? "-- This is an empty migration."),
    extension: "sql",
  };
}

async function handle(method, params) {
  switch (method) {
    case "createDatabase": {
      const target = params?.datasource?.tag === "ConnectionString" ? params.datasource.url : url;
      const { db } = describeUrl(target);
      const admin = new URL(target);
      admin.pathname = "/postgres";
      await withClient(admin.toString(), (c) => c.query(`CREATE DATABASE "${db.replaceAll('"', '""')}"`));
      return { databaseName: db };
    }
    case "getDatabaseVersion":
      return (await getEngine()).version(params ?? undefined);
    case "diff": {
      const { stdout, ...rest } = await (await getEngine()).diff(params);
      if (stdout) await print(stdout.replace(/\n$/, ""));
      return rest;
    }
    case "dbExecute":
    case "reset":
    case "markMigrationApplied":
    case "markMigrationRolledBack":
      return (await (await getEngine())[method](params)) ?? {};
    case "evaluateDataLoss":
    case "createMigration": {
      // The wasm engine computes "schema from migrations" with the external shadow DB only inside
      // diagnoseMigrationHistory/devDiagnostic and caches it (keyed by the applied migrations);
      // evaluateDataLoss/createMigration only read that cache. `migrate dev` applies pending
      // migrations before these calls, so the cache key no longer matches -> warm it and retry.
      const e = await getEngine();
      try {
        return await e[method](params);
      } catch (err) {
        if (!SHADOW_CACHE_MISS.test(String(err?.message))) throw err;
        await e.diagnoseMigrationHistory({ migrationsList: params.migrationsList, optInToShadowDatabase: true, filters: params.filters });
        try {
          return await e[method](params);
        } catch (err2) {
          if (method !== "createMigration" || !SHADOW_CACHE_MISS.test(String(err2?.message))) throw err2;
          return createMigrationViaDiff(e, params); // migrations on disk not all applied (API use)
        }
      }
    }
    case "getDatabaseDescription":
      throw new Error("getDatabaseDescription is not supported by the wasm schema engine");
    default: {
      const e = await getEngine();
      if (typeof e[method] !== "function") throw new Error(`Unknown schema engine method: ${method}`);
      return (await e[method](params)) ?? {};
    }
  }
}

// Requests are handled one at a time, in order (the engine is stateful: devDiagnostic fills the
// migration-schema cache that createMigration relies on).
let queue = Promise.resolve();
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  if (!line.trim()) return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return log("ERROR", `could not parse request: ${line.slice(0, 200)}`);
  }
  if (msg.method === undefined) {
    pendingPrints.get(msg.id)?.(msg.result);
    pendingPrints.delete(msg.id);
    return;
  }
  queue = queue.then(async () => {
    try {
      send({ jsonrpc: "2.0", id: msg.id, result: await handle(msg.method, msg.params) });
    } catch (e) {
      send({ jsonrpc: "2.0", id: msg.id, error: toRpcError(e) });
    }
  });
});
rl.on("close", () => {
  queue.then(async () => {
    try {
      if (engine) (await engine).free();
    } catch {}
    await factory.close();
    process.exit(0);
  });
});
