import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "@/server/db/client.ts";

/** The server tests create their own databases on; each run gets fresh ones that are dropped afterwards. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export interface TFreshPostgres {
  url: string;
  drop(): Promise<void>;
}

export async function freshPostgresDatabase(): Promise<TFreshPostgres> {
  const name = `inferline_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TTestBackend {
  name: "postgres" | "pglite";
  /** `url`: the PostgreSQL database's, for what opens its own connections (the batch queue); undefined on PGlite. */
  open(): Promise<{ db: Database; url: string | undefined; dispose(): Promise<void> }>;
}

/** Every store test runs on both backends the app supports: a real PostgreSQL server and embedded PGlite. */
export const BACKENDS: TTestBackend[] = [
  {
    name: "postgres",
    async open() {
      const fresh = await freshPostgresDatabase();
      const db = await openDatabase({ kind: "postgres", url: fresh.url });
      return {
        db,
        url: fresh.url,
        async dispose() {
          await db.close();
          await fresh.drop();
        },
      };
    },
  },
  {
    name: "pglite",
    async open() {
      const db = await openDatabase({ kind: "pglite", dataDir: "memory://" });
      return { db, url: undefined, dispose: () => db.close() };
    },
  },
];
