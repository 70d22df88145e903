import { fileURLToPath } from "node:url";
import { defineConfig } from "prisma/config";

// Offline schema engine: the stock Prisma CLI spawns this JSON-RPC shim (wasm engine + adapter-pg)
// instead of downloading the native schema-engine binary (see docs/ARCHITECTURE.md#offline-install).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(new URL("./scripts/prisma-schema-engine.mjs", import.meta.url));

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    // `prisma migrate dev` needs a PostgreSQL server; the embedded PGlite database is migrated by the app itself.
    url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/inferline_dev",
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
