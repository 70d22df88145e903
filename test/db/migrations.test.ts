import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, openDatabase } from "@/server/db/client.ts";
import { PrismaPGliteForMigrate } from "@/server/db/migrate/pg-migrate-adapter.mjs";
import { applyMigrations, createSchemaEngine, noFilter, readMigrations } from "@/server/db/migrate/schema-engine.mjs";
import { freshPostgresDatabase } from "../helpers/databases.ts";

const run = promisify(execFile);

describe("prisma/migrations", () => {
  it("apply idempotently to PGlite through the wasm schema engine", async () => {
    const pglite = await PGlite.create();
    try {
      const first = await applyMigrations({ adapterFactory: new PrismaPGliteForMigrate(pglite), migrationsDir: MIGRATIONS_DIR });
      const second = await applyMigrations({ adapterFactory: new PrismaPGliteForMigrate(pglite), migrationsDir: MIGRATIONS_DIR });
      expect(first.length).toBeGreaterThan(0);
      expect(second).toEqual([]);
    } finally {
      await pglite.close();
    }
  });

  it("cover everything in schema.prisma (drift check: the diff from migrations to the schema is empty)", async () => {
    const pglite = await PGlite.create();
    const factory = new PrismaPGliteForMigrate(pglite);
    const engine = await createSchemaEngine({ adapterFactory: factory });
    try {
      const schema = await readFile("prisma/schema.prisma", "utf8");
      const { exitCode, stdout } = await engine.diff({
        from: { tag: "migrations", ...((await readMigrations(MIGRATIONS_DIR)) as object) },
        to: { tag: "schemaDatamodel", files: [{ path: "prisma/schema.prisma", content: schema }] },
        script: true,
        exitCode: true,
        filters: noFilter,
      });
      expect(stdout?.trim()).toBe("-- This is an empty migration.");
      expect(exitCode).toBe(0);
    } finally {
      engine.free();
      await factory.close();
      await pglite.close();
    }
  });

  it("deploy through the stock Prisma CLI with the offline schema-engine shim (no download)", async () => {
    const fresh = await freshPostgresDatabase();
    try {
      const envs = { ...process.env, DATABASE_URL: fresh.url, NO_PROXY: "*", HTTPS_PROXY: "http://127.0.0.1:9" };
      const deploy = await run(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], { env: envs });
      expect(deploy.stdout).toMatch(/migrations have been successfully applied|All migrations have been successfully applied/);
      const status = await run(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "status"], { env: envs });
      expect(status.stdout).toContain("Database schema is up to date!");
      // The app's own start-up migrator sees the same bookkeeping: nothing left to apply.
      const db = await openDatabase({ kind: "postgres", url: fresh.url });
      expect(db.applied).toEqual([]);
      expect(await db.isReady()).toBe(true);
      await db.close();
    } finally {
      await fresh.drop();
    }
  });
});

describe("embedded PGlite database", () => {
  it("keeps data across a clean close and reopen, with no crash recovery", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "inferline-pglite-"));
    try {
      const dataDir = path.join(dir, "nested", "pglite");
      const first = await openDatabase({ kind: "pglite", dataDir });
      expect(first.applied.length).toBeGreaterThan(0);
      const a = await first.prisma.auditLog.create({ data: { action: "test.one" }, select: { id: true } });
      await first.close();
      expect(await first.isReady()).toBe(false);

      const second = await openDatabase({ kind: "pglite", dataDir });
      expect(second.applied).toEqual([]);
      expect(await second.isReady()).toBe(true);
      const b = await second.prisma.auditLog.create({ data: { action: "test.two" }, select: { id: true } });
      // After crash recovery PostgreSQL sequences skip ahead (by 32); a clean shutdown continues at +1.
      expect(b.id - a.id).toBe(1n);
      expect(await second.prisma.auditLog.count()).toBe(2);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
