import { mkdirSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client.ts";
import { PrismaPgForMigrate, PrismaPGliteForMigrate } from "./migrate/pg-migrate-adapter.mjs";
import { applyMigrations } from "./migrate/schema-engine.mjs";

export type TPrisma = InstanceType<typeof PrismaClient>;

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

export type TDatabaseOptions =
  | { kind: "postgres"; url: string }
  /** dataDir: a directory, or "memory://" for a throw-away database (tests). */
  | { kind: "pglite"; dataDir: string };

export interface Database {
  readonly kind: "postgres" | "pglite";
  readonly prisma: TPrisma;
  /** Names of migrations applied by this start (empty when the database was up to date). */
  readonly applied: string[];
  /** The embedded database itself (PGlite only): the batch job queue runs its SQL on it (services/batches/job-queue.ts). */
  readonly pglite: PGlite | null;
  /** Database reachable and every migration in prisma/migrations recorded as finished. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Open the database and bring its schema up to date with prisma/migrations, the same migrations for
 * PostgreSQL and PGlite (applied by the wasm schema engine, with the bookkeeping of `prisma migrate deploy`).
 */
export async function openDatabase(options: TDatabaseOptions): Promise<Database> {
  const expected = await listMigrations();
  if (options.kind === "postgres") {
    const applied = await applyMigrations({
      adapterFactory: new PrismaPgForMigrate({ connectionString: options.url }),
      migrationsDir: MIGRATIONS_DIR,
    });
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: options.url }) });
    return makeDatabase("postgres", prisma, null, applied, expected, () => prisma.$disconnect());
  }

  const { PGlite } = await import("@electric-sql/pglite");
  const { PrismaPGlite } = await import("pglite-prisma-adapter");
  if (options.dataDir !== "memory://") mkdirSync(path.dirname(path.resolve(options.dataDir)), { recursive: true });
  const pglite = await PGlite.create({ dataDir: options.dataDir });
  try {
    const applied = await applyMigrations({ adapterFactory: new PrismaPGliteForMigrate(pglite), migrationsDir: MIGRATIONS_DIR });
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    // $disconnect() does not close PGlite; without close() the next open runs crash recovery.
    return makeDatabase("pglite", prisma, pglite, applied, expected, async () => {
      await prisma.$disconnect();
      await pglite.close();
    });
  } catch (e) {
    await pglite.close().catch(() => {});
    throw e;
  }
}

async function listMigrations(): Promise<string[]> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

function makeDatabase(
  kind: Database["kind"],
  prisma: TPrisma,
  pglite: PGlite | null,
  applied: string[],
  expected: string[],
  close: () => Promise<void>,
): Database {
  let closed = false;
  return {
    kind,
    prisma,
    pglite,
    applied,
    async isReady() {
      if (closed) return false;
      try {
        const rows = await prisma.$queryRaw<{ migration_name: string }[]>`
          SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
        const done = new Set(rows.map((r) => r.migration_name));
        return expected.every((m) => done.has(m));
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}
