import path from "node:path";
import type { Database } from "@/server/db/client.ts";
import { installExamples } from "@/server/services/examples/example-pipelines.ts";
import { createModelRuntime, type TModelRuntime } from "@/server/services/models/model-runtime.ts";
import { TestClient } from "./clients.ts";
import { testEngine } from "./engine.ts";

export const IRIS_ROW = { sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 };

/**
 * A database with an admin (admin@example.com / password-admin), the example pipelines installed through
 * the publish gate (real ONNX models in a real inference pool) and an API key for every pipeline.
 * The runtime is returned running: close it (before the database) when done.
 */
export async function installIris(db: Database, dataDir: string): Promise<{ key: string; runtime: TModelRuntime; admin: TestClient }> {
  const runtime = createModelRuntime({ db: db.prisma, env: { DATA_DIR: dataDir, MODEL_CACHE_DIR: undefined, MODEL_MAX_BYTES: 64 * 1024 * 1024, INFERENCE_WORKERS: 1 } });
  const engine = testEngine(runtime.runner);
  const admin = new TestClient(db.prisma, engine);
  await (await admin.api()).auth.setup({ email: "admin@example.com", name: "Admin", password: "password-admin" });
  const actor = await db.prisma.user.findUniqueOrThrow({ where: { email: "admin@example.com" }, select: { id: true, email: true, name: true, role: true } });
  await installExamples({ db: db.prisma, actor }, { cacheDir: path.join(dataDir, "models"), maxBytes: 64 * 1024 * 1024 }, engine);
  const { key } = await (await admin.api()).apiKeys.create({ name: "tests", pipelines: [] });
  return { key, runtime, admin };
}
