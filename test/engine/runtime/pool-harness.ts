import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { InferencePool } from "@/server/engine/runtime/inference-pool.ts";
import { AppError } from "@/server/errors.ts";

type TPoolOptions = ConstructorParameters<typeof InferencePool>[0];

/**
 * Real model files for a suite: written to a temp folder before it, removed after. Models go by a fake
 * content hash (their key); `resolveModelPath` maps it to the file as the registry's cache does. `pool()`
 * makes pools that are closed after each test.
 */
export function poolHarness(models: Record<string, Uint8Array>, defaults: Partial<TPoolOptions> = {}) {
  let dir = "";
  const resolveModelPath = async (hash: string) => {
    if (!Object.hasOwn(models, hash)) throw new AppError("NOT_FOUND", `No model ${hash}.`);
    return path.join(dir, `${hash}.onnx`);
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "inferline-pool-"));
    for (const [name, bytes] of Object.entries(models)) await writeFile(path.join(dir, `${name}.onnx`), bytes);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const pools: InferencePool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });
  return {
    resolveModelPath,
    /** The folder of the model files (set once the suite started). */
    dir: () => dir,
    pool(opts: Partial<TPoolOptions> = {}) {
      const p = new InferencePool({ size: 2, resolveModelPath, ...defaults, ...opts });
      pools.push(p);
      return p;
    },
  };
}

export async function expectCode(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => {
      throw new Error(`expected ${code}, but the run succeeded`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code, (e as AppError).message).toBe(code);
  return e as AppError;
}

export async function until(cond: () => boolean, timeoutMs = 10_000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
