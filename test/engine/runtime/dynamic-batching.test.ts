/**
 * Issue 12, item 1: dynamic batching in the inference pool (Triton's semantics), on real ONNX models in real
 * worker processes. Batched calls must get the very bits they get alone; a bad call fails alone; models
 * whose first dim is fixed, and calls with other trailing dims, are never batched; the queue delay holds a
 * lone call no longer than it says.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import type { TCompileEnv, TModelRunner } from "@/server/engine/define-node.ts";
import { execute } from "@/server/engine/executor/execute.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import type { InferencePool, TFeeds, TRunOptions } from "@/server/engine/runtime/inference-pool.ts";
import { inspectModel } from "@/server/engine/runtime/inspect-model.ts";
import type { TBatchExecution, TBatchPolicy } from "@/server/engine/runtime/types.ts";
import { fromNumbers, makeTensor, type TAnyTensor } from "@/server/engine/values/tensor.ts";
import { AppError } from "@/server/errors.ts";
import { createMetrics } from "@/server/http/metrics.ts";
import { GraphBuilder } from "../../helpers/graph-builder.ts";
import { buildModel, linearModel, ONNX_TYPE, type TNodeSpec } from "../../helpers/onnx-builder.ts";
import { expectCode, poolHarness, until } from "./pool-harness.ts";

const f32 = (values: Float32Array) => new Uint8Array(values.buffer);
const weights = (n: number, scale = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * scale);

/** x [b, 64] → MatMul 64×48 → Tanh → MatMul 48×8 → Softmax: y [b, 8]. Real GEMMs, so row-count-dependent kernels would show. */
function mlpModel(): Uint8Array<ArrayBuffer> {
  return buildModel({
    opset: 17,
    irVersion: 8,
    graph: {
      name: "mlp",
      initializers: [
        { name: "W1", dataType: ONNX_TYPE.FLOAT, dims: [64, 48], raw: f32(weights(64 * 48)) },
        { name: "W2", dataType: ONNX_TYPE.FLOAT, dims: [48, 8], raw: f32(weights(48 * 8)) },
      ],
      nodes: [
        { op: "MatMul", inputs: ["x", "W1"], outputs: ["h"] },
        { op: "Tanh", inputs: ["h"], outputs: ["t"] },
        { op: "MatMul", inputs: ["t", "W2"], outputs: ["z"] },
        { op: "Softmax", inputs: ["z"], outputs: ["y"], attributes: [{ name: "axis", i: -1 }] },
      ],
      inputs: [{ name: "x", elemType: ONNX_TYPE.FLOAT, shape: ["batch", 64] }],
      outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT, shape: ["batch", 8] }],
    },
  });
}

/** y = table[idx] (Gather, table 10×3): an index past 9 makes ORT throw, for that call's rows only. */
function lookupModel(): Uint8Array<ArrayBuffer> {
  return buildModel({
    opset: 17,
    irVersion: 8,
    graph: {
      name: "lookup",
      initializers: [{ name: "table", dataType: ONNX_TYPE.FLOAT, dims: [10, 3], raw: f32(weights(30)) }],
      nodes: [{ op: "Gather", inputs: ["table", "idx"], outputs: ["y"], attributes: [{ name: "axis", i: 0 }] }],
      inputs: [{ name: "idx", elemType: ONNX_TYPE.INT64, shape: ["batch"] }],
      outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT, shape: ["batch", 3] }],
    },
  });
}

/** y = x + 1 with x [1, 4]: exported for batch 1. */
function fixedModel(): Uint8Array<ArrayBuffer> {
  return buildModel({
    opset: 17,
    irVersion: 8,
    graph: {
      name: "fixed",
      initializers: [{ name: "one", dataType: ONNX_TYPE.FLOAT, dims: [1], floats: [1] }],
      nodes: [{ op: "Add", inputs: ["x", "one"], outputs: ["y"] }],
      inputs: [{ name: "x", elemType: ONNX_TYPE.FLOAT, shape: [1, 4] }],
      outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT, shape: [1, 4] }],
    },
  });
}

/** total = ReduceSum over dim 0 (keepdims): its first dim is 1 whatever the batch, so outputs cannot be split. */
function columnSumModel(): Uint8Array<ArrayBuffer> {
  return buildModel({
    opset: 17,
    irVersion: 8,
    graph: {
      name: "column-sum",
      initializers: [{ name: "axes", dataType: ONNX_TYPE.INT64, dims: [1], int64s: [0] }],
      nodes: [{ op: "ReduceSum", inputs: ["x", "axes"], outputs: ["total"], attributes: [{ name: "keepdims", i: 1 }] }],
      inputs: [{ name: "x", elemType: ONNX_TYPE.FLOAT, shape: ["batch", 4] }],
      outputs: [{ name: "total", elemType: ONNX_TYPE.FLOAT, shape: [1, 4] }],
    },
  });
}

/** 512 × (MatMul 256×256, Tanh) on x [b, 256]: ~0.5 ms a row on one core, so a few thousand rows take a while. */
function deepModel(): Uint8Array<ArrayBuffer> {
  const nodes: TNodeSpec[] = [];
  let prev = "x";
  for (let i = 0; i < 512; i++) {
    nodes.push({ op: "MatMul", inputs: [prev, "W"], outputs: [`m${i}`] }, { op: "Tanh", inputs: [`m${i}`], outputs: [i === 511 ? "y" : `t${i}`] });
    prev = `t${i}`;
  }
  return buildModel({
    opset: 17,
    irVersion: 8,
    graph: {
      name: "deep",
      initializers: [{ name: "W", dataType: ONNX_TYPE.FLOAT, dims: [256, 256], raw: f32(weights(256 * 256, 1 / 8)) }],
      nodes,
      inputs: [{ name: "x", elemType: ONNX_TYPE.FLOAT, shape: ["batch", 256] }],
      outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT, shape: ["batch", 256] }],
    },
  });
}

const MODELS = { mlp: mlpModel(), linear: linearModel(), lookup: lookupModel(), fixed: fixedModel(), colsum: columnSumModel(), deep: deepModel() };
const harness = poolHarness(MODELS, { size: 1 });

/** A one-worker pool whose batch executions are recorded, once its worker is ready (timing starts from a free worker). */
async function pool(opts: Partial<ConstructorParameters<typeof InferencePool>[0]> = {}) {
  const executions: TBatchExecution[] = [];
  const p = harness.pool({ onBatch: (e) => executions.push(e), ...opts });
  await until(() => p.stats().workers.every((w) => w.state === "idle"), 20_000);
  return { p, executions };
}

const policy = (maxBatchSize: number, maxQueueDelayMicroseconds: number, preferredBatchSizes: number[] = []): TBatchPolicy => ({ maxBatchSize, maxQueueDelayMicroseconds, preferredBatchSizes });
const bytes = (t: TAnyTensor | undefined) => {
  const d = t!.data as Exclude<TAnyTensor["data"], string[]>;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
};
/** Rows × 64 of deterministic, varied values, different for every seed. */
const mlpFeeds = (rows: number, seed: number): TFeeds => ({ x: fromNumbers("float32", [rows, 64], Array.from({ length: rows * 64 }, (_, i) => Math.cos((i + 1) * (seed + 1.3)) * 3)) });
const lookupFeeds = (idx: number[]): TFeeds => ({ idx: makeTensor("int64", [idx.length], BigInt64Array.from(idx.map(BigInt))) });
const runAll = (p: InferencePool, hash: string, feeds: TFeeds[], opts: TRunOptions = {}) => Promise.allSettled(feeds.map((f) => p.run(hash, f, opts)));

describe("dynamic batching in the inference pool", () => {
  it("gives batched calls the same bits as unbatched ones, and really runs them together", async () => {
    const alone = await pool();
    const batched = await pool();
    // 16 calls of 1–3 rows each, queued in one go: held by the delay, then one execution of all 31 rows.
    const feeds = Array.from({ length: 16 }, (_, i) => mlpFeeds(1 + (i % 3), i));
    const expected: TFeeds[] = [];
    for (const f of feeds) expected.push(await alone.p.run("mlp", f));
    const got = await Promise.all(feeds.map((f) => batched.p.run("mlp", f, { batch: policy(64, 50_000), name: "mlp@1" })));
    got.forEach((out, i) => {
      expect(out.y!.shape).toEqual([1 + (i % 3), 8]);
      expect(bytes(out.y).equals(bytes(expected[i]!.y)), `call ${i}`).toBe(true);
    });
    expect(batched.executions).toEqual([{ model: "mlp@1", rows: 31, requests: 16 }]);
    expect(batched.p.stats()).toMatchObject({ batches: 1, batchedRuns: 16, batchFallbacks: 0, completed: 16, failed: 0 });
    expect(alone.executions).toEqual([]); // no policy, nothing to report
  });

  it("splits every output, of every dtype (float32 and int64 through one batch)", async () => {
    const { p, executions } = await pool();
    const calls = [
      [1, 2, 3, 4],
      [0.5, -1, 2, 8, 9, 10, 11, 12],
      [-3, 0, 0, 1],
    ].map((x, k) => ({ x: fromNumbers("float32", [x.length / 4, 4], x), ids: makeTensor("int64", [x.length / 4], BigInt64Array.from({ length: x.length / 4 }, (_, i) => BigInt(k * 100 + i) * 10n ** 12n)) }));
    const alone: TFeeds[] = [];
    for (const f of calls) alone.push(await p.run("linear", f));
    const together = await Promise.all(calls.map((f) => p.run("linear", f, { batch: policy(8, 30_000) })));
    together.forEach((out, i) => {
      expect(bytes(out.y).equals(bytes(alone[i]!.y))).toBe(true);
      expect(out.ids_out!.data).toEqual(calls[i]!.ids.data);
    });
    expect(executions).toEqual([{ model: "linear", rows: 4, requests: 3 }]);
  });

  it("fails a bad call alone, with its own coded error, while the others in its batch succeed", async () => {
    const { p, executions } = await pool();
    const good = [[0], [3, 4], [9], [1, 1, 2]];
    const alone: TFeeds[] = [];
    for (const idx of good) alone.push(await p.run("lookup", lookupFeeds(idx)));
    const feeds = [lookupFeeds(good[0]!), lookupFeeds(good[1]!), lookupFeeds([2, 99]), lookupFeeds(good[2]!), lookupFeeds(good[3]!)];
    const results = await runAll(p, "lookup", feeds, { batch: policy(32, 50_000) });
    const bad = results[2]!;
    expect(bad.status).toBe("rejected");
    const e = (bad as PromiseRejectedResult).reason as AppError;
    expect(e).toBeInstanceOf(AppError);
    expect(e.code).toBe("INFERENCE_FAILED");
    expect(e.details).toMatchObject({ stage: "run", model: "lookup" });
    [0, 1, 3, 4].forEach((k, i) => {
      const r = results[k]!;
      expect(r.status, `call ${k}`).toBe("fulfilled");
      expect(bytes((r as PromiseFulfilledResult<TFeeds>).value.y).equals(bytes(alone[i]!.y))).toBe(true);
    });
    // The batch of 5 threw, so each call ran alone; nothing counts as batched.
    expect(p.stats()).toMatchObject({ batches: 0, batchFallbacks: 1, completed: 4 + 4, failed: 1 });
    expect(executions.map((x) => x.requests)).toEqual([1, 1, 1, 1]);
  });

  it("never batches calls whose feeds differ in names, dtypes or trailing dims: those fail or succeed on their own", async () => {
    const { p, executions } = await pool();
    const ok = () => lookupFeeds([1, 2]);
    const results = await Promise.allSettled([
      p.run("lookup", ok(), { batch: policy(32, 30_000) }),
      p.run("lookup", { idx: fromNumbers("int32", [2], [1, 2]) }, { batch: policy(32, 30_000) }), // wrong dtype
      p.run("lookup", { ...ok(), extra: fromNumbers("float32", [2], [0, 0]) }, { batch: policy(32, 30_000) }), // unknown input
      p.run("lookup", ok(), { batch: policy(32, 30_000) }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    expect(((results[1] as PromiseRejectedResult).reason as AppError).code).toBe("INFERENCE_FAILED");
    expect(((results[2] as PromiseRejectedResult).reason as AppError).details).toMatchObject({ unknown: ["extra"] });
    // The two good calls ran as one batch; the others alone.
    expect(executions).toContainEqual({ model: "lookup", rows: 4, requests: 2 });
    expect(p.stats()).toMatchObject({ batches: 1, batchedRuns: 2, batchFallbacks: 0 });
  });

  it("never batches a model with a fixed first dim, even when asked to", async () => {
    const { p, executions } = await pool();
    const feeds = Array.from({ length: 6 }, (_, i) => ({ x: fromNumbers("float32", [1, 4], [i, i, i, i]) }));
    const outs = await Promise.all(feeds.map((f) => p.run("fixed", f, { batch: policy(8, 20_000) })));
    outs.forEach((out, i) => expect(Array.from(out.y!.data as Float32Array)).toEqual([i + 1, i + 1, i + 1, i + 1]));
    expect(p.stats()).toMatchObject({ batches: 0, batchFallbacks: 0, completed: 6 });
    expect(executions.every((e) => e.requests === 1)).toBe(true);
  });

  it("falls back to running alone when an output's first dim is not the total rows (a model that mixes rows)", async () => {
    const { p } = await pool();
    const feeds = [fromNumbers("float32", [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), fromNumbers("float32", [1, 4], [10, 20, 30, 40])].map((x) => ({ x }));
    const outs = await Promise.all(feeds.map((f) => p.run("colsum", f, { batch: policy(8, 30_000) })));
    expect(Array.from(outs[0]!.total!.data as Float32Array)).toEqual([6, 8, 10, 12]);
    expect(Array.from(outs[1]!.total!.data as Float32Array)).toEqual([10, 20, 30, 40]);
    expect(p.stats()).toMatchObject({ batches: 0, batchFallbacks: 1 });
  });

  it("dispatches at once on reaching a preferred size or the max batch size; the rest waits for the delay", async () => {
    const { p, executions } = await pool();
    await p.run("mlp", mlpFeeds(1, 0)); // the session is loaded before timing
    // A 1 s delay nobody should wait for: 4 rows is preferred.
    let t0 = performance.now();
    await Promise.all([0, 1, 2, 3].map((i) => p.run("mlp", mlpFeeds(1, i), { batch: policy(16, 1_000_000, [4]) })));
    expect(performance.now() - t0).toBeLessThan(800);
    expect(executions).toEqual([{ model: "mlp", rows: 4, requests: 4 }]);

    // Max 4 rows, 10 calls of one row, 300 ms delay: two full batches at once, the last 2 rows after the delay.
    executions.length = 0;
    t0 = performance.now();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, i) => p.run("mlp", mlpFeeds(1, i), { batch: policy(4, 300_000) }).then(() => done.push(performance.now() - t0))));
    expect(executions.map((e) => e.rows)).toEqual([4, 4, 2]);
    done.sort((a, b) => a - b);
    expect(done[7]!).toBeLessThan(250);
    expect(done[8]!).toBeGreaterThanOrEqual(295);
  });

  it("holds a call for the queue delay when another came within it; a call to an idle model after a quiet spell goes at once; a sub-millisecond delay costs well under a millisecond or two", async () => {
    const { p, executions } = await pool();
    const x = mlpFeeds(1, 7);
    await p.run("mlp", x);
    const timed = async (opts: TRunOptions) => {
      const t0 = performance.now();
      await p.run("mlp", x, opts);
      return performance.now() - t0;
    };
    const median = async (opts: TRunOptions, n: number) => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) times.push(await timed(opts));
      return times.sort((a, b) => a - b)[n >> 1]!;
    };
    const base = await median({}, 21);
    const long = { batch: policy(8, 100_000) };
    // The first call of its kind finds nothing queued, running or recent: waiting would only add the delay.
    expect(await timed(long)).toBeLessThan(base + 30);
    // The next one comes within 100 ms of it: more may follow, so it waits the delay (Triton's rule) — and no longer.
    const held = await timed(long);
    expect(held).toBeGreaterThanOrEqual(100);
    expect(held).toBeLessThan(100 + base + 60);
    await new Promise((r) => setTimeout(r, 150)); // a quiet spell past the delay
    expect(await timed(long)).toBeLessThan(base + 30);
    expect(executions.every((e) => e.requests === 1)).toBe(true); // nothing was there to batch with
    const short = await median({ batch: policy(8, 300) }, 21);
    expect(short - base).toBeLessThan(3);
  });

  it("a deadline ends only its own call in a batch: the worker is not killed while others still wait for it", async () => {
    const { p, executions } = await pool();
    await p.run("deep", { x: fromNumbers("float32", [1, 256], new Float32Array(256).fill(0.01)) });
    const pid = p.stats().workers[0]!.pid;
    const big = { x: fromNumbers("float32", [3000, 256], Float32Array.from({ length: 3000 * 256 }, (_, i) => Math.cos(i) / 4)) };
    const small = { x: fromNumbers("float32", [1, 256], new Float32Array(256).fill(0.02)) };
    const t0 = performance.now();
    const slow = p.run("deep", big, { batch: policy(4096, 20_000), timeoutMs: 60_000 });
    const hurried = p.run("deep", small, { batch: policy(4096, 20_000), timeoutMs: 150 });
    await expectCode(hurried, "INFERENCE_TIMEOUT");
    const out = await slow;
    // If the batch finished before the deadline this test proves nothing: it must have been slow.
    expect(performance.now() - t0).toBeGreaterThan(300);
    expect(out.y!.shape).toEqual([3000, 256]);
    expect(executions).toEqual([{ model: "deep", rows: 3001, requests: 2 }]);
    expect(p.stats()).toMatchObject({ timeouts: 1, crashes: 0, restarts: 0 });
    expect(p.stats().workers[0]!.pid).toBe(pid);
  }, 60_000);

  it("retries the calls of a batch one by one when its worker dies, so a crash costs only the call that causes it", async () => {
    const { p, executions } = await pool();
    await p.run("deep", { x: fromNumbers("float32", [1, 256], new Float32Array(256).fill(0.01)) });
    const pid = p.stats().workers[0]!.pid!;
    const a = { x: fromNumbers("float32", [1500, 256], new Float32Array(1500 * 256).fill(0.01)) };
    const b = { x: fromNumbers("float32", [1, 256], new Float32Array(256).fill(0.02)) };
    const runs = [p.run("deep", a, { batch: policy(4096, 20_000), timeoutMs: 60_000 }), p.run("deep", b, { batch: policy(4096, 20_000), timeoutMs: 60_000 })];
    await until(() => p.stats().workers[0]!.state === "busy");
    process.kill(pid, "SIGKILL");
    const [outA, outB] = await Promise.all(runs);
    expect(outA!.y!.shape).toEqual([1500, 256]);
    expect(outB!.y!.shape).toEqual([1, 256]);
    expect(p.stats()).toMatchObject({ crashes: 1, restarts: 1, batches: 0, completed: 3 });
    expect(executions.map((e) => e.requests)).toEqual([1, 1]);
  }, 60_000);

  it("feeds the inferline_inference_batch_size histogram per model", async () => {
    const metrics = createMetrics();
    const { p } = await pool({ onBatch: metrics.inferenceBatch });
    await Promise.all(Array.from({ length: 5 }, (_, i) => p.run("mlp", mlpFeeds(1, i), { batch: policy(8, 30_000), name: "mlp@3" })));
    const text = await metrics.registry.getSingleMetricAsString("inferline_inference_batch_size");
    expect(text).toMatch(/^inferline_inference_batch_size_count\{model="mlp@3"\} 1$/m);
    expect(text).toMatch(/^inferline_inference_batch_size_sum\{model="mlp@3"\} 5$/m);
    expect(text).toMatch(/^inferline_inference_batch_size_bucket\{le="4",model="mlp@3"\} 0$/m);
    expect(text).toMatch(/^inferline_inference_batch_size_bucket\{le="8",model="mlp@3"\} 1$/m);
  });

  it("refuses a malformed policy with INVALID_INPUT", async () => {
    const { p } = await pool();
    await expectCode(p.run("mlp", mlpFeeds(1, 0), { batch: { maxBatchSize: 2.5, maxQueueDelayMicroseconds: 0, preferredBatchSizes: [] } }), "INVALID_INPUT");
    await expectCode(p.run("mlp", mlpFeeds(1, 0), { batch: policy(8, 5_000_000) }), "INVALID_INPUT");
  });
});

describe("model/onnx batching settings", () => {
  async function envFor(names: (keyof typeof MODELS)[]): Promise<TCompileEnv> {
    const models = new Map();
    for (const name of names) {
      const meta = await inspectModel(path.join(harness.dir(), `${name}.onnx`));
      // The pool here resolves models by name: the name stands in for the hash.
      models.set(`${name}@1`, { name, version: 1, sha256: name, inputs: meta.inputs, outputs: meta.outputs });
    }
    return { models };
  }
  function graph(model: string, input: string, output: string, batching?: Record<string, unknown>) {
    const g = new GraphBuilder();
    const x = g.input(input, { kind: "tensor", dtype: "float32" });
    const m = g.add("model/onnx@v1", { model, version: 1, ...(batching ? { batching } : {}) }, "m");
    g.connect(x, "value", m, input);
    g.output(output, m, output);
    return g.build();
  }

  it("is off by default: a stored graph without the settings compiles as before and sends no policy", async () => {
    const env = await envFor(["mlp"]);
    const r = compile(graph("mlp", "x", "y"), registry, env);
    expect(r.issues).toEqual([]);
    const seen: unknown[] = [];
    const runner: TModelRunner = { run: async (_sha, feeds, opts) => (seen.push(opts.batch), { y: feeds.x }) };
    await execute(r.plan!, { x: mlpFeeds(1, 0).x }, { models: runner });
    expect(seen).toEqual([undefined]);
  });

  it("runs concurrent pipeline calls as one model batch, each getting what it gets alone", async () => {
    const env = await envFor(["mlp"]);
    const { p, executions } = await pool();
    const models: TModelRunner = { run: (sha, feeds, opts) => p.run(sha, feeds as TFeeds, opts) };
    const plain = compile(graph("mlp", "x", "y"), registry, env).plan!;
    const batched = compile(graph("mlp", "x", "y", { maxBatchSize: 16, maxQueueDelayMicroseconds: 50_000 }), registry, env).plan!;
    const inputs = Array.from({ length: 6 }, (_, i) => mlpFeeds(1 + (i % 2), i + 20).x);
    const alone: Awaited<ReturnType<typeof execute>>[] = [];
    for (const x of inputs) alone.push(await execute(plain, { x }, { models }));
    const together = await Promise.all(inputs.map((x) => execute(batched, { x }, { models })));
    together.forEach((r, i) => expect(bytes(r.outputs.y as TAnyTensor).equals(bytes(alone[i]!.outputs.y as TAnyTensor))).toBe(true));
    expect(executions).toEqual([{ model: "mlp@1", rows: 9, requests: 6 }]);
  });

  it("warns that batching is unavailable on a model with a fixed first dim, and then sends no policy", async () => {
    const env = await envFor(["fixed"]);
    const r = compile(graph("fixed", "x", "y", { maxBatchSize: 8 }), registry, env);
    expect(r.issues).toEqual([expect.objectContaining({ code: "BATCHING_UNAVAILABLE", severity: "warning", nodeId: "m", port: "x" })]);
    expect(r.issues[0]!.message).toContain("fixed first dim (1)");
    const seen: unknown[] = [];
    const runner: TModelRunner = { run: async (_sha, feeds, opts) => (seen.push(opts.batch), { y: feeds.x }) };
    await execute(r.plan!, { x: fromNumbers("float32", [1, 4], [1, 2, 3, 4]) }, { models: runner });
    expect(seen).toEqual([undefined]);
  });

  it("checks the settings: bounds, and preferred sizes within the max", async () => {
    const env = await envFor(["mlp"]);
    const params = (batching: Record<string, unknown>) => compile(graph("mlp", "x", "y", batching), registry, env).issues.filter((i) => i.code === "INVALID_PARAMS").map((i) => i.path);
    expect(params({ maxBatchSize: 8, preferredBatchSizes: [4, 16] })).toEqual(["batching.preferredBatchSizes"]);
    expect(params({ maxBatchSize: -1 })).toEqual(["batching.maxBatchSize"]);
    expect(params({ maxQueueDelayMicroseconds: 1e9 })).toEqual(["batching.maxQueueDelayMicroseconds"]);
    expect(params({ maxBatchSize: 8, maxQueueDelayMicroseconds: 0, preferredBatchSizes: [2, 4, 8] })).toEqual([]);
  });
});
