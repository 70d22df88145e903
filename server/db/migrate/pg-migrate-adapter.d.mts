import type { PGlite } from "@electric-sql/pglite";
import type { TMigrationAdapterFactory } from "./schema-engine.mjs";
export class PrismaPgForMigrate implements TMigrationAdapterFactory {
  constructor(config: { connectionString: string });
  close(): Promise<void>;
}
export class PrismaPGliteForMigrate implements TMigrationAdapterFactory {
  constructor(pglite: PGlite);
  close(): Promise<void>;
}
