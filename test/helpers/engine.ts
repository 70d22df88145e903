import type { TModelRunner } from "@/server/engine/define-node.ts";
import type { TEngineDeps } from "@/server/services/runs/engine-deps.ts";

/** Engine deps for tests; pass a real model runner (the inference pool) where models run. */
export function testEngine(models?: TModelRunner, overrides: Partial<TEngineDeps> = {}): TEngineDeps {
  return {
    models: models ?? { run: () => Promise.reject(new Error("this test runs no models")) },
    runTimeoutMs: 10_000,
    payloadMaxBytes: 64 * 1024,
    ...overrides,
  };
}
