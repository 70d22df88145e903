import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { openDatabase, type Database } from "@/server/db/client.ts";
import { createAppServer } from "@/server/http/app-server.ts";
import type { TMetrics } from "@/server/http/metrics.ts";
import { ServingContext, type TServingLimits } from "@/server/http/serving/serving-context.ts";
import { startBatchService, type TBatchService } from "@/server/services/batches/batch-service.ts";
import type { TEngineDeps } from "@/server/services/runs/engine-deps.ts";
import { SESSION_CONFIG, TestClient } from "./clients.ts";
import { testEngine } from "./engine.ts";

export interface TServingHarness {
  db: Database;
  base: string;
  serving: ServingContext;
  admin: TestClient;
  /** With `batches`: the batch queue and runner (in this process), wired into REST, tRPC and /api/datasets. */
  batches: TBatchService | null;
  close(): Promise<void>;
}

/** A real app server (lean path + serving) on a fresh database, with an admin signed in through tRPC. */
export async function startServingHarness(
  opts: { db?: Database; engine?: TEngineDeps; limits?: Partial<TServingLimits>; metrics?: { metrics: TMetrics; token?: string }; adminSetup?: boolean; batches?: { url?: string | undefined; dataDir: string } } = {},
): Promise<TServingHarness> {
  const db = opts.db ?? (await openDatabase({ kind: "pglite", dataDir: "memory://" }));
  const engine = opts.engine ?? testEngine();
  const serving = new ServingContext(db, engine, { maxBodyBytes: 1024 * 1024, maxConcurrentRuns: 4, maxQueued: 16, ...opts.limits });
  const batches = opts.batches
    ? await startBatchService(db, { DATABASE_URL: opts.batches.url, DATA_DIR: opts.batches.dataDir, BATCH_MAX_BYTES: 8 * 1024 * 1024, BATCH_MAX_ROWS: 100_000, BATCH_CONCURRENCY: 8, API_MAX_BODY_BYTES: 1024 * 1024 }, { engine, instance: null, run: true })
    : null;
  if (batches) serving.batches = { queue: batches.queue, limits: batches.limits };
  const server: Server = createAppServer({
    db,
    context: { sessionConfig: SESSION_CONFIG, secureCookies: false, engine, servingChanged: () => serving.invalidate(), ...(batches ? { batches: batches.queue } : {}) },
    ...(batches ? { datasets: batches.limits } : {}),
    next: (_req, res) => void res.writeHead(404).end(),
    serving,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const admin = new TestClient(db.prisma, engine, () => serving.invalidate(), batches?.queue);
  if (opts.adminSetup !== false) await (await admin.api()).auth.setup({ email: "admin@example.com", name: "Admin", password: "password-admin" });
  else await (await admin.api()).auth.signIn({ email: "admin@example.com", password: "password-admin" });
  return {
    db,
    base,
    serving,
    admin,
    batches,
    async close() {
      await new Promise((r) => server.close(r));
      await batches?.close();
      if (!opts.db) await db.close();
    },
  };
}
