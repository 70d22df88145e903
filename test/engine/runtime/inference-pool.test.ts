import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { TFeeds } from "@/server/engine/runtime/inference-pool.ts";
import { fromNumbers, makeTensor, toNumbers } from "@/server/engine/values/tensor.ts";
import { addModel, int4OutputModel, linearExpected, linearModel, matmulChainModel } from "../../helpers/onnx-builder.ts";
import { expectCode, poolHarness, until } from "./pool-harness.ts";

/** Models by fake content hash; resolveModelPath maps them to files like the registry's cache does. */
const { pool, dir } = poolHarness({ linear: linearModel(), add: addModel(), int4: int4OutputModel(), chain: matmulChainModel(64) });

const linearFeeds = (x: number[]): TFeeds => ({
  x: fromNumbers("float32", [x.length / 4, 4], x),
  ids: makeTensor("int64", [x.length / 4], BigInt64Array.from({ length: x.length / 4 }, (_, i) => BigInt(i) * 10n ** 12n)),
});
/** x = 0.001 everywhere, [n, n]: the chain model takes ~1 ms at n = 8 and many seconds at n = 2000. */
const chainFeeds = (n: number): TFeeds => ({ x: fromNumbers("float32", [n, n], new Float32Array(n * n).fill(0.001)) });

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("InferencePool (supervised worker processes)", () => {
  it("returns the model's outputs with their dtypes, shapes and values (int64 through IPC intact)", async () => {
    const p = pool({ size: 1 });
    const x = [1, 0, 0, 0, 0, 1, 0, 0, 0.5, 0.5, -1, 2];
    const out = await p.run("linear", linearFeeds(x));
    expect(Object.keys(out).sort()).toEqual(["ids_out", "y"]);
    expect(out.y).toMatchObject({ kind: "tensor", dtype: "float32", shape: [3, 2] });
    expect(toNumbers(out.y!)).toEqual(linearExpected(x));
    expect(out.ids_out!.dtype).toBe("int64");
    expect(out.ids_out!.data).toEqual(BigInt64Array.from([0n, 10n ** 12n, 2n * 10n ** 12n]));
  });

  it("sends only a view's own bytes: a slice of a larger buffer works", async () => {
    const p = pool({ size: 1 });
    const big = new Float32Array(1000).fill(7);
    big.set([1, 2, 3], 500);
    const a = makeTensor("float32", [3], big.subarray(500, 503));
    const out = await p.run("add", { a, b: fromNumbers("float32", [3], [10, 20, 30]) });
    expect(toNumbers(out.sum!)).toEqual([11, 22, 33]);
  });

  it("runs many requests concurrently across workers, each getting its own answer", async () => {
    const p = pool({ size: 2 });
    // Both workers up first: on a loaded machine one process can start so late that the other drains the queue.
    await until(() => p.stats().workers.every((w) => w.state === "idle"));
    const inputs = Array.from({ length: 24 }, (_, i) => [i, -i, i / 2, 1, 2, i % 3, 0, i * i]);
    const outs = await Promise.all(inputs.map((x, i) => p.run(i % 2 ? "linear" : "add", i % 2 ? linearFeeds(x) : { a: fromNumbers("float32", [8], x), b: fromNumbers("float32", [8], x) })));
    outs.forEach((out, i) => {
      const x = inputs[i]!;
      if (i % 2) expect(toNumbers(out.y!)).toEqual(linearExpected(x).map((v) => Math.fround(v)));
      else expect(toNumbers(out.sum!)).toEqual(x.map((v) => Math.fround(v) * 2));
    });
    const stats = p.stats();
    expect(stats.completed).toBe(24);
    expect(stats.workers.every((w) => w.runs > 0)).toBe(true);
  });

  it("caches sessions per model hash inside a worker (LRU) and routes runs to a worker that has the model", async () => {
    const p = pool({ size: 2, maxSessionsPerWorker: 1 });
    await p.run("linear", linearFeeds([1, 2, 3, 4]));
    expect(p.stats()).toMatchObject({ sessionMisses: 1, sessionHits: 0 });
    for (let i = 0; i < 5; i++) await p.run("linear", linearFeeds([i, 2, 3, 4]));
    let stats = p.stats();
    expect(stats).toMatchObject({ sessionMisses: 1, sessionHits: 5 });
    expect(stats.workers.filter((w) => w.sessions.includes("linear"))).toHaveLength(1);
    // A one-session LRU: running another model on the same worker evicts the first.
    const owner = stats.workers.findIndex((w) => w.sessions.includes("linear"));
    await until(() => p.stats().workers.every((w) => w.state === "idle"));
    await Promise.all([p.run("add", { a: fromNumbers("float32", [1], [1]), b: fromNumbers("float32", [1], [2]) }), p.run("add", { a: fromNumbers("float32", [1], [1]), b: fromNumbers("float32", [1], [2]) })]);
    stats = p.stats();
    expect(stats.workers.every((w) => w.sessions.length <= 1)).toBe(true);
    expect(stats.workers[owner]!.sessions).toEqual(["add"]);
  });

  it("fails a run that misses its deadline with INFERENCE_TIMEOUT, replaces the stuck worker, and keeps serving", async () => {
    const p = pool({ size: 1 });
    await p.run("chain", chainFeeds(8));
    const before = p.stats().workers[0]!.pid!;
    const t0 = Date.now();
    const e = await expectCode(p.run("chain", chainFeeds(2000), { timeoutMs: 400 }), "INFERENCE_TIMEOUT");
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(e.details).toMatchObject({ model: "chain", timeoutMs: 400 });
    await until(() => !isAlive(before));
    const out = await p.run("chain", chainFeeds(4));
    expect(out.y!.shape).toEqual([4, 4]);
    const stats = p.stats();
    expect(stats.workers[0]!.pid).not.toBe(before);
    expect(stats).toMatchObject({ timeouts: 1, crashes: 0, restarts: 1 });
  });

  it("times out a run still queued behind a busy worker without killing anything", async () => {
    const p = pool({ size: 1 });
    await p.run("chain", chainFeeds(8));
    const pid = p.stats().workers[0]!.pid!;
    const slow = p.run("chain", chainFeeds(2000), { timeoutMs: 3_000 });
    await until(() => p.stats().workers[0]!.state === "busy");
    const e = await expectCode(p.run("add", { a: fromNumbers("float32", [1], [1]), b: fromNumbers("float32", [1], [1]) }, { timeoutMs: 150 }), "INFERENCE_TIMEOUT");
    expect(e.message).toContain("150 ms");
    expect(isAlive(pid)).toBe(true);
    await expectCode(slow, "INFERENCE_TIMEOUT");
  });

  it("fails only the in-flight run of a worker that aborts (SIGABRT); other runs finish and the pool recovers", async () => {
    const p = pool({ size: 2 });
    await Promise.all([p.run("chain", chainFeeds(8)), p.run("chain", chainFeeds(8))]);
    const doomed = p.run("chain", chainFeeds(2000), { timeoutMs: 60_000 });
    await until(() => p.stats().workers.some((w) => w.state === "busy"));
    const victim = p.stats().workers.find((w) => w.state === "busy")!.pid!;
    // Work on the other worker, plus runs queued behind it, all in flight when the crash happens.
    const others = Array.from({ length: 6 }, (_, i) => p.run("chain", chainFeeds(64 + i), { timeoutMs: 60_000 }));
    process.kill(victim, "SIGABRT"); // what process.abort() raises, as ORT's binding does on an int4 output

    const e = await expectCode(doomed, "INFERENCE_WORKER_CRASHED");
    expect(e.details).toMatchObject({ model: "chain", signal: "SIGABRT" });
    const done = await Promise.all(others);
    done.forEach((out, i) => expect(out.y!.shape).toEqual([64 + i, 64 + i]));

    await until(() => p.stats().workers.every((w) => w.state === "idle" && w.pid !== victim));
    expect(p.stats()).toMatchObject({ crashes: 1, restarts: 1 });
    const again = await Promise.all([p.run("linear", linearFeeds([1, 1, 1, 1])), p.run("linear", linearFeeds([2, 2, 2, 2]))]);
    expect(toNumbers(again[1]!.y!)).toEqual(linearExpected([2, 2, 2, 2]));
  });

  it("keeps queued runs when the only worker crashes: they run on its replacement", async () => {
    const p = pool({ size: 1 });
    await p.run("chain", chainFeeds(8));
    const pid = p.stats().workers[0]!.pid!;
    const inflight = p.run("chain", chainFeeds(2000), { timeoutMs: 60_000 });
    await until(() => p.stats().workers[0]!.state === "busy");
    const queued = p.run("add", { a: fromNumbers("float32", [2], [1, 2]), b: fromNumbers("float32", [2], [3, 4]) }, { timeoutMs: 60_000 });
    process.kill(pid, "SIGKILL"); // e.g. the kernel's OOM killer
    await expectCode(inflight, "INFERENCE_WORKER_CRASHED");
    expect(toNumbers((await queued).sum!)).toEqual([4, 6]);
  });

  it("refuses an int4-output model with MODEL_UNSUPPORTED_TYPE instead of letting ORT abort the worker", async () => {
    const p = pool({ size: 1 });
    await p.run("linear", linearFeeds([1, 2, 3, 4]));
    const pid = p.stats().workers[0]!.pid!;
    const e = await expectCode(p.run("int4", { x: fromNumbers("float32", [4], [1, 2, -3, 4]) }), "MODEL_UNSUPPORTED_TYPE");
    expect(e.message).toContain("int4");
    expect(p.stats()).toMatchObject({ crashes: 0 });
    expect(p.stats().workers[0]).toMatchObject({ pid, sessions: ["linear"] });
    expect(toNumbers((await p.run("linear", linearFeeds([1, 2, 3, 4]))).y!)).toEqual(linearExpected([1, 2, 3, 4]));
  });

  it("(why workers are processes) ONNX Runtime's binding really aborts its process on an int4 output", async () => {
    const ortCommon = new URL("../../../server/engine/runtime/ort-common.mjs", import.meta.url).href;
    const script = `import { ort } from ${JSON.stringify(ortCommon)};
      const s = await ort.InferenceSession.create(${JSON.stringify(path.join(dir(), "int4.onnx"))});
      await s.run({ x: new ort.Tensor("float32", Float32Array.from([1, 2, -3, 4]), [4]) });
      console.log("survived");`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once("close", (c, sig) => r([c, sig])));
    expect(out).not.toContain("survived");
    expect(signal ?? code).toBe("SIGABRT");
  });

  it("cancels a queued run through its AbortSignal: it never reaches a worker", async () => {
    const p = pool({ size: 1 });
    await p.run("chain", chainFeeds(8));
    const slow = p.run("chain", chainFeeds(2000), { timeoutMs: 2_000 });
    await until(() => p.stats().workers[0]!.state === "busy");
    const ac = new AbortController();
    const queued = p.run("linear", linearFeeds([1, 2, 3, 4]), { signal: ac.signal });
    await until(() => p.stats().queued === 1);
    ac.abort(new Error("client went away"));
    await expect(queued).rejects.toThrow("client went away");
    expect(p.stats().queued).toBe(0);
    await expectCode(slow, "INFERENCE_TIMEOUT");
    await until(() => p.stats().workers[0]!.state === "idle");
    expect(p.stats().sessionMisses + p.stats().sessionHits).toBe(1); // only the warm-up ran
    await expect(p.run("linear", linearFeeds([1, 2, 3, 4]), { signal: AbortSignal.abort() })).rejects.toThrow();
  });

  it("reports feeds that do not match the model as INFERENCE_FAILED, and unknown models as the resolver says", async () => {
    const p = pool({ size: 1 });
    const missing = await expectCode(p.run("linear", { x: fromNumbers("float32", [1, 4], [1, 2, 3, 4]), extra: fromNumbers("float32", [1], [0]) }), "INFERENCE_FAILED");
    expect(missing.details).toMatchObject({ missing: ["ids"], unknown: ["extra"] });
    const dtype = await expectCode(p.run("linear", { ...linearFeeds([1, 2, 3, 4]), x: fromNumbers("float64", [1, 4], [1, 2, 3, 4]) }), "INFERENCE_FAILED");
    expect(dtype.message).toMatch(/data type/i);
    await expectCode(p.run("nope", {}), "NOT_FOUND");
    expect(p.stats().crashes).toBe(0);
  });

  it("close() fails queued runs with NOT_READY, refuses new ones and stops every worker", async () => {
    const p = pool({ size: 1, shutdownGraceMs: 200 });
    await p.run("chain", chainFeeds(8));
    const pid = p.stats().workers[0]!.pid!;
    const inflight = p.run("chain", chainFeeds(2000), { timeoutMs: 60_000 });
    await until(() => p.stats().workers[0]!.state === "busy");
    const queued = p.run("linear", linearFeeds([1, 2, 3, 4]));
    await until(() => p.stats().queued === 1);
    const resolving = p.run("linear", linearFeeds([1, 2, 3, 4])); // still resolving its model path
    const outcomes = Promise.all([expectCode(queued, "NOT_READY"), expectCode(inflight, "NOT_READY"), expectCode(resolving, "NOT_READY")]);
    await p.close();
    await outcomes;
    await expectCode(p.run("linear", linearFeeds([1, 2, 3, 4])), "NOT_READY");
    expect(isAlive(pid)).toBe(false);
  });
});
