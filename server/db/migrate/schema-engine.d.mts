export interface TMigrationAdapterFactory {
  close?(): Promise<void>;
}
export function applyMigrations(opts: { adapterFactory: TMigrationAdapterFactory; migrationsDir: string }): Promise<string[]>;
export function readMigrations(migrationsDir: string, shadowDbInitScript?: string): Promise<unknown>;
export function createSchemaEngine(opts: { adapterFactory: TMigrationAdapterFactory; datamodels?: [string, string][] }): Promise<{
  diff(params: unknown): Promise<{ exitCode: number; stdout?: string }>;
  free(): void;
}>;
export function schemaEngineVersion(): Promise<string>;
export const noFilter: { externalTables: string[]; externalEnums: string[] };
