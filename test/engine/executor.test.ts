/**
 * The executor: concurrency of independent branches, error attribution, timeout, cancellation, branch
 * skipping, and the validation of pipeline inputs. Uses a small pack of test-only nodes registered next to
 * the real ones.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compile, type TPlan } from "@/server/engine/compiler/compile.ts";
import { defineNode } from "@/server/engine/define-node.ts";
import { NodeInputError } from "@/server/engine/errors.ts";
import { execute, RunError, type TExecuteOptions } from "@/server/engine/executor/execute.ts";
import { NODE_DEFINITIONS } from "@/server/engine/nodes/index.ts";
import { createRegistry } from "@/server/engine/registry.ts";
import { kinds } from "@/server/engine/types/kinds.ts";
import { floatToHalf, makeTensor } from "@/server/engine/values/tensor.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { env, noModels, plain, tk } from "./harness.ts";

// ── Test-only nodes ────────────────────────────────────────────────────────────────────────────────

const passThrough = { inputs: { value: { kind: kinds.any() } }, outputs: { value: kinds.any() } };
const calls = new Map<string, number>();
const aborted = new Set<string>();

/** Waits `ms` (honouring the run's signal), then passes its input on. */
const delay = defineNode({
  type: "logic/test-delay@v1",
  title: "Test delay",
  category: "logic",
  description: "test only",
  params: z.object({ ms: z.int().min(0).default(100) }),
  ports: passThrough,
  execute: (inputs, p, ctx) =>
    new Promise((resolve, reject) => {
      calls.set(ctx.nodeId, (calls.get(ctx.nodeId) ?? 0) + 1);
      const timer = setTimeout(() => resolve({ value: inputs.value }), p.ms);
      ctx.signal.addEventListener("abort", () => {
        aborted.add(ctx.nodeId);
        clearTimeout(timer);
        reject(new Error("aborted"));
      });
    }),
});

/** Never settles and ignores the signal: a hung native call. */
const hang = defineNode({ type: "logic/test-hang@v1", title: "Test hang", category: "logic", description: "test only", params: z.object({}), ports: passThrough, execute: () => new Promise<never>(() => {}) });

/** Throws: a NodeInputError on `port` when given, else a plain Error. */
const fail = defineNode({
  type: "logic/test-fail@v1",
  title: "Test fail",
  category: "logic",
  description: "test only",
  params: z.object({ port: z.string().optional(), message: z.string().default("boom") }),
  ports: passThrough,
  execute(_inputs, p) {
    throw p.port ? new NodeInputError(p.message, p.port) : new Error(p.message);
  },
});

const testRegistry = createRegistry([...NODE_DEFINITIONS, delay, hang, fail]);

function plan(g: GraphBuilder): TPlan {
  const r = compile(g.build(), testRegistry, env);
  expect(r.issues.filter((i) => i.severity === "error")).toEqual([]);
  return r.plan!;
}

async function runError(p: TPlan, inputs: Record<string, unknown>, opts: Partial<TExecuteOptions> = {}): Promise<RunError> {
  const e = await execute(p, inputs, { models: noModels, ...opts }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RunError);
  return e as RunError;
}

/** input x → each of `middle` (id → [type, params]) → its own output. */
function fanOut(middle: Record<string, [string, Record<string, unknown>]>) {
  const g = new GraphBuilder();
  const x = g.input("x", { kind: "number" });
  for (const [id, [type, params]] of Object.entries(middle)) {
    g.add(type, params, id);
    g.connect(x, "value", id, "value");
    g.output(id, id, "value");
  }
  return g;
}

// ── Tests ──────────────────────────────────────────────────────────────────────────────────────────

describe("executor: concurrency", () => {
  it("runs independent branches at the same time (two 100 ms nodes take ≈100 ms, not 200)", async () => {
    const p = plan(fanOut({ a: ["logic/test-delay@v1", { ms: 100 }], b: ["logic/test-delay@v1", { ms: 100 }] }));
    const run = await execute(p, { x: 1 }, { models: noModels });
    expect(run.outputs).toEqual({ a: 1, b: 1 });
    expect(run.durationMs).toBeGreaterThanOrEqual(95);
    expect(run.durationMs).toBeLessThan(180);
    const [a, b] = ["a", "b"].map((id) => run.trace.find((t) => t.nodeId === id)!);
    // their run times overlap
    expect(a!.start).toBeLessThan(b!.start + b!.durationMs);
    expect(b!.start).toBeLessThan(a!.start + a!.durationMs);
  });

  it("starts a node as soon as its own inputs are ready, not when a slower sibling is done", async () => {
    // x → slow(150) → out_slow; x → fast(20) → fast2(20) → out_fast2
    const g = fanOut({ slow: ["logic/test-delay@v1", { ms: 150 }], fast: ["logic/test-delay@v1", { ms: 20 }] });
    g.add("logic/test-delay@v1", { ms: 20 }, "fast2");
    g.connect("fast", "value", "fast2", "value");
    g.output("fast2", "fast2", "value");
    const run = await execute(plan(g), { x: 1 }, { models: noModels });
    expect(run.trace.find((t) => t.nodeId === "fast2")!.start).toBeLessThan(120);
  });
});

describe("executor: errors", () => {
  it("attributes a node's failure to the node and port, keeping the cause", async () => {
    const p = plan(fanOut({ bad: ["logic/test-fail@v1", { port: "value", message: "negative prices are not allowed" }] }));
    const e = await runError(p, { x: -1 });
    expect(e).toMatchObject({ code: "NODE_FAILED", nodeId: "bad", port: "value", details: { nodeType: "logic/test-fail@v1" } });
    expect(e.message).toBe("Node 'bad' (Test fail) failed on input 'value': negative prices are not allowed");
    expect(e.cause).toBeInstanceOf(NodeInputError);
    expect(e.trace.find((t) => t.nodeId === "bad")).toMatchObject({ status: "error", error: "negative prices are not allowed" });
  });

  it("keeps a plain Error as the cause, with no port", async () => {
    const e = await runError(plan(fanOut({ bad: ["logic/test-fail@v1", {}] })), { x: 1 });
    expect(e).toMatchObject({ code: "NODE_FAILED", nodeId: "bad", port: undefined });
    expect((e.cause as Error).message).toBe("boom");
  });

  it("cancels the nodes still running when one fails, and returns at once", async () => {
    const p = plan(fanOut({ slow: ["logic/test-delay@v1", { ms: 2000 }], bad: ["logic/test-fail@v1", {}] }));
    const t0 = performance.now();
    const e = await runError(p, { x: 1 });
    expect(performance.now() - t0).toBeLessThan(500);
    expect(e.nodeId).toBe("bad");
    expect(e.trace.find((t) => t.nodeId === "slow")?.status).toBe("cancelled");
    expect(aborted.has("slow")).toBe(true); // the node saw the abort through ctx.signal
  });

  it("reports a real node's run-time failure with its port (label-map out of range)", async () => {
    const g = new GraphBuilder();
    const i = g.input("i", tk("int64", [1]));
    g.add("post/label-map@v1", { labels: ["a", "b"] }, "labels");
    g.connect(i, "value", "labels", "indices");
    g.output("label", "labels", "labels");
    const e = await runError(plan(g), { i: [5] });
    expect(e).toMatchObject({ code: "NODE_FAILED", nodeId: "labels", port: "indices" });
    expect(e.cause).toBeInstanceOf(NodeInputError);
  });
});

describe("executor: timeout and cancellation", () => {
  it("RUN_TIMEOUT: returns promptly past the limit and marks the hung node cancelled", async () => {
    const p = plan(fanOut({ stuck: ["logic/test-hang@v1", {}] }));
    const t0 = performance.now();
    const e = await runError(p, { x: 1 }, { timeoutMs: 50 });
    const elapsed = performance.now() - t0;
    expect(e).toMatchObject({ code: "RUN_TIMEOUT", details: { timeoutMs: 50 } });
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(500);
    expect(e.trace.find((t) => t.nodeId === "stuck")?.status).toBe("cancelled");
  });

  it("RUN_CANCELLED: an AbortSignal stops the run and the running nodes", async () => {
    const p = plan(fanOut({ slow: ["logic/test-delay@v1", { ms: 5000 }] }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const t0 = performance.now();
    const e = await runError(p, { x: 1 }, { signal: controller.signal });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(e.code).toBe("RUN_CANCELLED");
    expect(e.trace.find((t) => t.nodeId === "slow")?.status).toBe("cancelled");
  });

  it("RUN_CANCELLED at once for a signal aborted before the run starts (no node runs)", async () => {
    const p = plan(fanOut({ never: ["logic/test-delay@v1", { ms: 10 }] }));
    const controller = new AbortController();
    controller.abort();
    const e = await Promise.race([runError(p, { x: 1 }, { signal: controller.signal }), new Promise<string>((r) => setTimeout(() => r("hung"), 1000))]);
    expect(e).toMatchObject({ code: "RUN_CANCELLED" });
    expect(calls.get("never")).toBeUndefined();
  });
});

describe("executor: branches", () => {
  it("skips the side not taken — its nodes never execute — and merges the side that ran", async () => {
    // x → branch(> 0) → then: delay "pos" / else: delay "neg" → merge → output
    const g = new GraphBuilder();
    const x = g.input("x", { kind: "number" });
    g.add("logic/branch@v1", { predicate: { op: ">", value: 0 } }, "branch");
    g.add("logic/test-delay@v1", { ms: 1 }, "pos");
    g.add("logic/test-delay@v1", { ms: 1 }, "neg");
    g.add("logic/merge@v1", {}, "merge");
    g.connect(x, "value", "branch", "value");
    g.connect("branch", "then", "pos", "value");
    g.connect("branch", "else", "neg", "value");
    g.connect("pos", "value", "merge", "x0");
    g.connect("neg", "value", "merge", "x1");
    g.output("y", "merge", "value");
    g.output("if_negative", "neg", "value");
    const p = plan(g);

    calls.clear();
    const run = await execute(p, { x: 3 }, { models: noModels });
    expect(run.outputs).toEqual({ y: 3, if_negative: null });
    expect(calls.get("pos")).toBe(1);
    expect(calls.get("neg")).toBeUndefined();
    const status = Object.fromEntries(run.trace.map((t) => [t.nodeId, t.status]));
    expect(status).toMatchObject({ branch: "ok", pos: "ok", neg: "skipped", merge: "ok", out_y: "ok", out_if_negative: "skipped" });
    expect(run.trace.find((t) => t.nodeId === "branch")?.outputs).toMatchObject({ then: { type: "number", preview: 3 }, else: { type: "skipped" } });

    const other = await execute(p, { x: -2 }, { models: noModels });
    expect(other.outputs).toEqual({ y: -2, if_negative: -2 });
  });

  it("treats an omitted optional input without default as skipped downstream", async () => {
    const g = new GraphBuilder();
    const hint = g.input("hint", { kind: "string" }, { required: false });
    g.add("logic/test-delay@v1", { ms: 1 }, "use");
    g.connect(hint, "value", "use", "value");
    g.output("hint_back", "use", "value");
    const run = await execute(plan(g), {}, { models: noModels });
    expect(run.outputs).toEqual({ hint_back: null });
    expect(run.trace.find((t) => t.nodeId === "use")?.status).toBe("skipped");
  });
});

describe("executor: pipeline inputs (INVALID_INPUT, naming the field)", () => {
  const tensorPipe = (kind: unknown) => {
    const g = new GraphBuilder();
    const x = g.input("x", kind);
    g.output("y", x, "value");
    return plan(g);
  };

  it("refuses a missing required input", async () => {
    const e = await runError(tensorPipe({ kind: "number" }), {});
    expect(e).toMatchObject({ code: "INVALID_INPUT", port: "x", details: { field: "x" } });
    expect(e.message).toBe("Input 'x' is required.");
  });

  it("uses the default of an omitted optional input", async () => {
    const g = new GraphBuilder();
    const k = g.input("k", { kind: "integer" }, { required: false, default: 3 });
    g.output("k", k, "value");
    expect((await execute(plan(g), {}, { models: noModels })).outputs).toEqual({ k: 3 });
  });

  it("refuses unknown fields, listing the expected ones", async () => {
    const e = await runError(tensorPipe({ kind: "number" }), { x: 1, extra: 2 });
    expect(e).toMatchObject({ code: "INVALID_INPUT", details: { unknown: ["extra"] } });
    expect(e.message).toContain("expected: x");
  });

  it("refuses ill-typed scalars and list items", async () => {
    expect((await runError(tensorPipe({ kind: "number" }), { x: "3" })).message).toBe(`Input 'x': expected a number (or "NaN", "Infinity", "-Infinity"), got the string "3"`);
    expect((await runError(tensorPipe({ kind: "integer" }), { x: 1.5 })).message).toContain("expected an integer");
    expect((await runError(tensorPipe({ kind: "list", of: { kind: "number" } }), { x: [1, "a"] })).message).toContain("item 1: expected a number");
  });

  it("builds tensors from nested arrays", async () => {
    const run = await execute(tensorPipe(tk("float32", ["rows", 2])), { x: [[1, 2], [3, 4]] }, { models: noModels });
    expect(plain(run.outputs.y)).toEqual({ dtype: "float32", shape: [2, 2], data: [1, 2, 3, 4] });
    const empty = await execute(tensorPipe(tk("float32", ["rows"])), { x: [] }, { models: noModels });
    expect(plain(empty.outputs.y)).toEqual({ dtype: "float32", shape: [0], data: [] });
  });

  it("builds tensors from {dtype, shape, data}", async () => {
    const run = await execute(tensorPipe(tk("int64", [2, 2])), { x: { dtype: "int64", shape: [2, 2], data: [1, 2, 3, -4] } }, { models: noModels });
    expect(run.outputs.y).toMatchObject({ dtype: "int64", shape: [2, 2], data: BigInt64Array.from([1n, 2n, 3n, -4n]) });
    const flat = await execute(tensorPipe(tk("any")), { x: { shape: [3], data: [0.5, 1, 2] } }, { models: noModels });
    expect(plain(flat.outputs.y)).toEqual({ dtype: "float32", shape: [3], data: [0.5, 1, 2] });
  });

  it("takes NaN and ±Infinity as the strings JSON cannot hold them in (and null as NaN in float tensors)", async () => {
    for (const dtype of ["float32", "float64", "float16"] as const) {
      const run = await execute(tensorPipe(tk(dtype)), { x: [1, "NaN", "Infinity", "-Infinity", null] }, { models: noModels });
      expect(plain(run.outputs.y)).toEqual({ dtype, shape: [5], data: [1, NaN, Infinity, -Infinity, NaN] });
      const explicit = await execute(tensorPipe(tk("any")), { x: { dtype, shape: [2], data: ["-Infinity", 2] } }, { models: noModels });
      expect(plain(explicit.outputs.y)).toEqual({ dtype, shape: [2], data: [-Infinity, 2] });
    }
    // Without a dtype anywhere, a tensor of numbers and these strings is float32, not a string tensor.
    const inferred = await execute(tensorPipe(tk("any")), { x: ["NaN", 1] }, { models: noModels });
    expect(plain(inferred.outputs.y)).toEqual({ dtype: "float32", shape: [2], data: [NaN, 1] });
    const strings = await execute(tensorPipe(tk("any")), { x: ["NaN", "a"] }, { models: noModels });
    expect(plain(strings.outputs.y)).toEqual({ dtype: "string", shape: [2], data: ["NaN", "a"] });
    const scalar = await execute(tensorPipe({ kind: "number" }), { x: "-Infinity" }, { models: noModels });
    expect(scalar.outputs.y).toBe(-Infinity);
  });

  it("refuses ragged arrays, wrong element counts and non-numbers", async () => {
    expect((await runError(tensorPipe(tk("float32")), { x: [[1, 2], [3]] })).message).toContain("ragged tensor: [1] should have 2 items");
    expect((await runError(tensorPipe(tk("float32")), { x: [1, [2]] })).message).toContain("ragged");
    expect((await runError(tensorPipe(tk("float32")), { x: { shape: [2, 2], data: [1, 2, 3] } })).message).toContain("needs 4 values, got 3");
    expect((await runError(tensorPipe(tk("int32")), { x: [1, null] })).message).toContain("element 1 is null");
    expect((await runError(tensorPipe(tk("int32")), { x: [1, "NaN"] })).message).toContain(`element 1 is the string "NaN", expected a number for dtype int32 (int32 has no NaN)`);
    expect((await runError(tensorPipe(tk("float32")), { x: [1, "nan"] })).message).toContain(`element 1 is the string "nan", expected a number for dtype float32 (or "NaN", "Infinity", "-Infinity")`);
    expect((await runError(tensorPipe(tk("int8")), { x: [300] })).message).toContain("outside int8's range");
    expect((await runError(tensorPipe(tk("int32")), { x: [1.5] })).message).toContain("not an integer");
  });

  it("refuses a dtype or shape that does not match the input's kind", async () => {
    const dt = await runError(tensorPipe(tk("float32", ["rows", 2])), { x: { dtype: "int64", shape: [1, 2], data: [1, 2] } });
    expect(dt).toMatchObject({ code: "INVALID_INPUT", port: "x" });
    expect(dt.message).toBe("Input 'x': expected dtype float32, got int64");
    expect((await runError(tensorPipe(tk("float32", ["rows", 2])), { x: [[1, 2, 3]] })).message).toContain("dim 1 is 3, expected 2");
    expect((await runError(tensorPipe(tk("float32", ["rows", 2])), { x: [1, 2] })).message).toContain("rank 2");
  });

  it("passes an in-process tensor on unchanged (float16 bits, int64 beyond 2^53, NaN), still checking its kind", async () => {
    const half = makeTensor("float16", [2], Uint16Array.from([floatToHalf(1.5), 0x7e00]));
    expect((await execute(tensorPipe(tk("float16", [2])), { x: half }, { models: noModels })).outputs.y).toBe(half);
    const big = makeTensor("int64", [1], BigInt64Array.from([2n ** 60n + 1n]));
    expect((await execute(tensorPipe(tk("int64")), { x: big }, { models: noModels })).outputs.y).toBe(big);
    expect((await runError(tensorPipe(tk("float32")), { x: big })).message).toContain("expected dtype float32, got int64");
    // a JSON object that merely looks like a tensor is converted, not trusted
    const run = await execute(tensorPipe(tk("float32")), { x: { kind: "tensor", dtype: "float32", shape: [2], data: [1, 2] } }, { models: noModels });
    expect((run.outputs.y as { data: unknown }).data).toBeInstanceOf(Float32Array);
  });
});
