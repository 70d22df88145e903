/** logic/* nodes: branch (with the executor's skipping), merge and ensemble, on real values. */
import { describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import { execute, SKIPPED } from "@/server/engine/executor/execute.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { env, expectClose, f32, inferNode, noModels, plain, runNode, runNodeError, tensor, tk } from "./harness.ts";
import { defaultCodecs } from "@/server/engine/runtime/codecs.ts";

const gt = (value: number | string | boolean, op = ">") => ({ predicate: { op, value } });

describe("logic/branch@v1", () => {
  it("routes the value to `then` when the predicate holds, and marks `else` skipped", async () => {
    const out = await runNode("logic/branch@v1", gt(0.5), { value: 0.7 });
    // a skipped output reaches the pipeline as null
    expect(out).toEqual({ then: 0.7, else: null });
    expect(await runNode("logic/branch@v1", gt(0.5), { value: 0.5 })).toEqual({ then: null, else: 0.5 });
  });

  it("tests `test` when it is connected, routing `value` untouched", async () => {
    const record = { text: "win a prize" };
    const out = await runNode("logic/branch@v1", gt("spam", "=="), { value: record, test: "spam" });
    expect(out).toEqual({ then: record, else: null });
    expect(await runNode("logic/branch@v1", gt("spam", "!="), { value: record, test: "ham" })).toEqual({ then: record, else: null });
  });

  it("tests one-element tensors and booleans (as 0/1); NaN satisfies only !=", async () => {
    const score = f32([1, 1], [0.9]);
    expect((await runNode("logic/branch@v1", gt(0.8, ">="), { value: score })).then).toBe(score);
    expect((await runNode("logic/branch@v1", gt(true, "=="), { value: "x", test: tensor("bool", [1], [1]) })).then).toBe("x");
    expect((await runNode("logic/branch@v1", gt(1, "=="), { value: "x", test: true })).then).toBe("x");
    const nan = f32([1], [NaN]);
    for (const op of [">", ">=", "<", "<=", "=="]) expect((await runNode("logic/branch@v1", gt(0, op), { value: nan })).else, op).toBe(nan);
    expect((await runNode("logic/branch@v1", gt(0, "!="), { value: nan })).then).toBe(nan);
  });

  it("fails naming the port when the tested value is not a single value", async () => {
    const e = await runNodeError("logic/branch@v1", gt(0.5), { value: "x", test: f32([2], [0.1, 0.9]) });
    expect(e).toMatchObject({ code: "NODE_FAILED", nodeId: "node", port: "test" });
    expect(e.message).toContain("shape [2]");
    await expect(runNode("logic/branch@v1", gt(0.5), { value: [1, 2] })).rejects.toMatchObject({ port: "value" });
    await expect(runNode("logic/branch@v1", gt(0.5), { value: "x", test: "abc" })).rejects.toThrow(/compares numbers/);
  });

  it("refuses an ordering against a string in its params, and untestable kinds at compile time", () => {
    expect(inferNode("logic/branch@v1", gt("a", "<"), { value: { kind: "number" } }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "predicate.value" }]);
    expect(inferNode("logic/branch@v1", gt(0.5), { value: { kind: "json" }, test: { kind: "string" } }).issues).toMatchObject([{ code: "KIND_MISMATCH", port: "test" }]);
    expect(inferNode("logic/branch@v1", gt(0.5), { value: tk("float32", ["rows", 2]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "value" }]);
    expect(inferNode("logic/branch@v1", gt(0.5), { value: { kind: "list", of: { kind: "number" } } }).issues).toMatchObject([{ code: "KIND_MISMATCH", port: "value" }]);
  });

  it("gives both outputs the kind of `value`, so a mismatch after the branch is found at compile time", () => {
    const g = new GraphBuilder();
    const x = g.input("x", tk("float32", ["rows", 3]));
    const t = g.input("t", { kind: "number" });
    const b = g.add("logic/branch@v1", gt(0), "branch");
    const s = g.add("tabular/standard-scale@v1", { mean: [0, 0], std: [1, 1] }, "scale");
    g.connect(x, "value", b, "value");
    g.connect(t, "value", b, "test");
    g.connect(b, "then", s, "x");
    g.output("y", s, "y");
    g.output("other", b, "else");
    const r = compile(g.build(), registry, env);
    expect(r.ports.branch?.outputs).toEqual({ then: tk("float32", ["rows", 3]), else: tk("float32", ["rows", 3]) });
    expect(r.issues).toMatchObject([{ code: "SHAPE_MISMATCH", nodeId: "scale", port: "x" }]);
  });
});

describe("logic/merge@v1", () => {
  it("passes on the first input that was not skipped", async () => {
    const merge = registry.get("logic/merge@v1")!;
    const ctx = { nodeId: "m", signal: new AbortController().signal, models: noModels, codecs: defaultCodecs(), resolved: undefined };
    expect(await merge.execute({ x0: SKIPPED, x1: 2, x2: 3 }, { count: 3 }, ctx)).toEqual({ value: 2 });
    expect(await merge.execute({ x0: 1, x1: 2 }, { count: 2 }, ctx)).toEqual({ value: 1 });
    expect(await merge.execute({ x0: SKIPPED, x1: SKIPPED }, { count: 2 }, ctx)).toEqual({ value: SKIPPED });
  });

  it("joins the two sides of a branch: only the side taken runs", async () => {
    // given score → branch(> 0.5) → then: threshold labels / else: constant labels → merge → output
    const g = new GraphBuilder();
    const s = g.input("score", tk("float32", [1]));
    const b = g.add("logic/branch@v1", gt(0.5), "branch");
    const hi = g.add("post/threshold@v1", { threshold: 0.9, output: "labels", labels: ["likely", "certain"] }, "high");
    const lo = g.add("post/threshold@v1", { threshold: 0.1, output: "labels", labels: ["no", "unlikely"] }, "low");
    const m = g.add("logic/merge@v1", {}, "merge");
    g.connect(s, "value", b, "value");
    g.connect(b, "then", hi, "scores");
    g.connect(b, "else", lo, "scores");
    g.connect(hi, "y", m, "x0");
    g.connect(lo, "y", m, "x1");
    g.output("verdict", m, "value");
    g.output("high_only", hi, "y");
    const r = compile(g.build(), registry, env);
    expect(r.issues).toEqual([]);
    expect(r.ports.merge?.outputs.value).toEqual(tk("string", [1]));

    // when the score is high
    const up = await execute(r.plan!, { score: [0.95] }, { models: noModels });
    // then the else side was skipped
    expect(plain(up.outputs.verdict).data).toEqual(["certain"]);
    expect(Object.fromEntries(up.trace.map((t) => [t.nodeId, t.status]))).toMatchObject({ branch: "ok", high: "ok", low: "skipped", merge: "ok" });

    // when the score is low
    const down = await execute(r.plan!, { score: [0.3] }, { models: noModels });
    expect(plain(down.outputs.verdict).data).toEqual(["unlikely"]);
    expect(down.outputs.high_only).toBeNull();
    expect(Object.fromEntries(down.trace.map((t) => [t.nodeId, t.status]))).toMatchObject({ high: "skipped", low: "ok", out_high_only: "skipped", merge: "ok" });
  });

  it("propagates a kind only when all inputs agree", () => {
    expect(inferNode("logic/merge@v1", {}, { x0: tk("float32", [1]), x1: tk("float32", [1]) }).outputs.value).toEqual(tk("float32", [1]));
    expect(inferNode("logic/merge@v1", {}, { x0: tk("float32", [1]), x1: { kind: "string" } }).outputs.value).toEqual({ kind: "any" });
    expect(inferNode("logic/merge@v1", { count: 9 }, {}).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "count" }]);
  });
});

describe("logic/ensemble@v1", () => {
  const a = f32([2, 2], [0.2, 0.8, 0.6, 0.4]);
  const b = f32([2, 2], [0.4, 0.6, 0.2, 0.8]);
  const c = f32([2, 2], [0.9, 0.1, 0.3, 0.7]);

  it("averages probabilities", async () => {
    const { y } = await runNode("logic/ensemble@v1", {}, { x0: a, x1: b });
    expect(plain(y).shape).toEqual([2, 2]);
    expectClose(plain(y).data, [0.3, 0.7, 0.4, 0.6]);
  });

  it("weights them, with weights normalised", async () => {
    const { y } = await runNode("logic/ensemble@v1", { method: "weighted-mean", weights: [3, 1] }, { x0: a, x1: b });
    expectClose(plain(y).data, [0.25, 0.75, 0.5, 0.5]);
  });

  it("votes: each model's top class per row, as vote shares", async () => {
    // row 0: a→1, b→1, c→0; row 1: a→0, b→1, c→1
    const { y } = await runNode("logic/ensemble@v1", { count: 3, method: "vote" }, { x0: a, x1: b, x2: c });
    expectClose(plain(y).data, [1 / 3, 2 / 3, 1 / 3, 2 / 3]);
    const weighted = await runNode("logic/ensemble@v1", { count: 3, method: "vote", weights: [1, 1, 2] }, { x0: a, x1: b, x2: c });
    expectClose(plain(weighted.y).data, [0.5, 0.5, 0.25, 0.75]);
  });

  it("votes past NaN and works on a single [classes] row", async () => {
    const { y } = await runNode("logic/ensemble@v1", { method: "vote" }, { x0: f32([3], [NaN, 0.1, 0.2]), x1: f32([3], [0.5, 0.4, 0.1]) });
    expect(plain(y)).toEqual({ dtype: "float32", shape: [3], data: [0.5, 0, 0.5] });
  });

  it("checks its params: weights for weighted-mean, one per input, not all zero", () => {
    const x = { x0: tk("float32"), x1: tk("float32") };
    expect(inferNode("logic/ensemble@v1", { method: "weighted-mean" }, x).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "weights" }]);
    expect(inferNode("logic/ensemble@v1", { method: "weighted-mean", weights: [1, 2, 3] }, x).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "weights" }]);
    expect(inferNode("logic/ensemble@v1", { method: "weighted-mean", weights: [0, 0] }, x).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "weights" }]);
  });

  it("needs float tensors of one shape, rank 1 or 2: at compile time and at run time", async () => {
    expect(inferNode("logic/ensemble@v1", {}, { x0: tk("float32", ["rows", 3]), x1: tk("float32", ["rows", 3]) }).outputs.y).toEqual(tk("float32", ["rows", 3]));
    expect(inferNode("logic/ensemble@v1", {}, { x0: tk("float32", ["rows", 3]), x1: tk("float32", ["rows", 4]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x1" }]);
    expect(inferNode("logic/ensemble@v1", {}, { x0: tk("float32", [1, 2, 3]), x1: tk("float32", [1, 2, 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "x0" }]);
    expect(inferNode("logic/ensemble@v1", {}, { x0: tk("float32", [2]), x1: tk("int64", [2]) }).issues).toMatchObject([{ code: "DTYPE_MISMATCH", port: "x1" }]);
    await expect(runNode("logic/ensemble@v1", {}, { x0: a, x1: f32([1, 2], [0.5, 0.5]) })).rejects.toMatchObject({ code: "NODE_FAILED", port: "x1" });
  });
});
