import { describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import type { TCompileEnv, TModelRunner } from "@/server/engine/define-node.ts";
import { execute, RunError } from "@/server/engine/executor/execute.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";

const env: TCompileEnv = { models: new Map() };
const noModels: TModelRunner = { run: () => Promise.reject(new Error("no models in this test")) };

function irisLikeGraph() {
  const g = new GraphBuilder();
  const rec = g.input("flower");
  const f = g.add("tabular/features@v1", { fields: ["a", "b"] }, "features");
  const s = g.add("tabular/standard-scale@v1", { mean: [1, 2], std: [2, 4] }, "scale");
  const sm = g.add("post/softmax@v1", {}, "softmax");
  const k = g.add("post/top-k@v1", { k: 2, labels: ["left", "right"] }, "topk");
  g.connect(rec, "value", f, "record");
  g.connect(f, "features", s, "x");
  g.connect(s, "y", sm, "x");
  g.connect(sm, "y", k, "scores");
  g.output("label", k, "label");
  g.output("top", k, "top");
  return g;
}

describe("compile + execute (no model)", () => {
  it("runs a tabular chain and propagates shapes", async () => {
    const result = compile(irisLikeGraph().build(), registry, env);
    expect(result.issues).toEqual([]);
    expect(result.ports.scale?.outputs.y).toEqual({ kind: "tensor", dtype: "float32", shape: ["rows", 2] });
    const run = await execute(result.plan!, { flower: { a: 3, b: 2 } }, { models: noModels });
    // scaled: [1, 0] → softmax → [0.731, 0.269]
    expect(run.outputs.label).toBe("left");
    expect((run.outputs.top as { score: number }[])[0]!.score).toBeCloseTo(0.7310586, 6);
    expect(run.trace.map((t) => [t.nodeId, t.status])).toEqual(
      expect.arrayContaining([["features", "ok"], ["scale", "ok"], ["softmax", "ok"], ["topk", "ok"]]),
    );
    const scaleTrace = run.trace.find((t) => t.nodeId === "scale")!;
    expect(scaleTrace.outputs?.y).toMatchObject({ type: "tensor", dtype: "float32", shape: [1, 2], min: 0, max: 1, mean: 0.5 });
  });

  it("names the node and port when a node fails at run time", async () => {
    const { plan } = compile(irisLikeGraph().build(), registry, env);
    const err = await execute(plan!, { flower: { a: 3 } }, { models: noModels }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunError);
    expect(err).toMatchObject({ code: "NODE_FAILED", nodeId: "features", port: "record" });
    expect((err as RunError).message).toContain("no field 'b'");
    expect((err as RunError).trace.find((t) => t.nodeId === "features")?.status).toBe("error");
  });

  it("reports every compile issue at once, with node ids", () => {
    const g = irisLikeGraph();
    g.add("nope/unknown@v1", {}, "ghost");
    g.add("tabular/standard-scale@v1", { mean: [1], std: [0] }, "badparams");
    g.add("tabular/standard-scale@v1", { mean: [1, 2, 3], std: [1, 1, 1] }, "wrongwidth");
    g.connect("features", "features", "wrongwidth", "x");
    g.add("io/output@v1", { name: "label" }, "dupname");
    g.connect("topk", "label", "dupname", "value");
    g.add("io/output@v1", { name: "dangling" }, "dangling");
    const r = compile(g.build(), registry, env);
    const codes = r.issues.map((i) => [i.code, i.nodeId]);
    expect(codes).toEqual(
      expect.arrayContaining([
        ["UNKNOWN_NODE_TYPE", "ghost"],
        ["INVALID_PARAMS", "badparams"],
        ["SHAPE_MISMATCH", "wrongwidth"],
        ["DUPLICATE_NAME", "dupname"],
        ["UNCONNECTED_OUTPUT", "dangling"],
      ]),
    );
    expect(r.ok).toBe(false);
    expect(r.plan).toBeUndefined();
  });
});
