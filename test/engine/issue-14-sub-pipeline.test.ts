/**
 * The sub-pipeline node in the engine alone (issue 14 item 3), with the compile env built by hand: the inner
 * plan runs on the outer run's model runner and abort signal (a deadline reaches the inner nodes), and pure
 * compile errors of the inner version come back on the node.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compile } from "@/server/engine/compiler/compile.ts";
import { defineNode, type TCompileEnv, type TModelInfo, type TModelRunner } from "@/server/engine/define-node.ts";
import { execute, RunError } from "@/server/engine/executor/execute.ts";
import type { TGraph } from "@/server/engine/graph/schema.ts";
import { NODE_DEFINITIONS } from "@/server/engine/nodes/index.ts";
import { createRegistry } from "@/server/engine/registry.ts";
import { kinds } from "@/server/engine/types/kinds.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { f32, plain } from "./harness.ts";

const aborted: string[] = [];
/** Waits, honouring the run's signal: records that the abort reached it. */
const wait = defineNode({
  type: "logic/test-wait@v1",
  title: "Test wait",
  category: "logic",
  description: "test only",
  params: z.object({}),
  ports: { inputs: { value: { kind: kinds.any() } }, outputs: { value: kinds.any() } },
  execute: (_inputs, _p, ctx) =>
    new Promise((_resolve, reject) => {
      ctx.signal.addEventListener("abort", () => {
        aborted.push(ctx.nodeId);
        reject(new Error("aborted"));
      });
    }),
});
const registry = createRegistry([...NODE_DEFINITIONS, wait]);

const MODEL: TModelInfo = { name: "double", version: 1, sha256: "a".repeat(64), inputs: [{ name: "x", dtype: "float32", shape: ["batch", 2] }], outputs: [{ name: "y", dtype: "float32", shape: ["batch", 2] }] };

function innerGraph(step: "model" | "wait"): TGraph {
  const g = new GraphBuilder();
  const x = g.input("x", { kind: "tensor", dtype: "float32", shape: [null, 2] });
  if (step === "model") g.add("model/onnx@v1", { model: "double", version: 1 }, "m");
  else g.add("logic/test-wait@v1", {}, "m");
  g.connect(x, "value", "m", step === "model" ? "x" : "value");
  g.output("y", "m", step === "model" ? "y" : "value");
  return g.build();
}

function outerGraph(version: number): TGraph {
  const g = new GraphBuilder();
  const x = g.input("x", { kind: "tensor", dtype: "float32", shape: [null, 2] });
  g.add("logic/pipeline@v1", { pipeline: "inner", version }, "sub");
  g.connect(x, "value", "sub", "x");
  g.output("y", "sub", "y");
  return g.build();
}

const env: TCompileEnv = {
  models: new Map([["double@1", MODEL]]),
  pipelines: new Map([["inner", { slug: "inner", aliases: { production: 1 }, versionCount: 3, versions: new Map([[1, innerGraph("model")], [2, innerGraph("wait")], [3, { schemaVersion: 1, nodes: [{ id: "lost", type: "io/input@v1", params: { name: "x", kind: { kind: "json" } } }], edges: [] }]]) }]]),
};

describe("the sub-pipeline node in the engine", () => {
  it("runs the inner plan on the outer run's model runner", async () => {
    const seen: string[] = [];
    const models: TModelRunner = {
      run: (sha256, feeds) => {
        seen.push(sha256);
        const x = feeds.x as ReturnType<typeof f32>;
        return Promise.resolve({ y: f32([1, 2], Array.from(x.data as Float32Array, (v) => v * 2)) });
      },
    };
    const c = compile(outerGraph(1), registry, env);
    expect(c.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(c.ports.sub!.outputs.y).toEqual({ kind: "tensor", dtype: "float32", shape: ["batch", 2] });
    const r = await execute(c.plan!, { x: f32([1, 2], [1.5, -2]) }, { models });
    expect(plain(r.outputs.y)).toEqual({ dtype: "float32", shape: [1, 2], data: [3, -4] });
    expect(seen).toEqual([MODEL.sha256]);
    expect(Object.keys(r.trace.find((t) => t.nodeId === "sub")!.sub!.elements[0]!.nodes).sort()).toEqual(["in_x", "m", "out_y"]);
  });

  it("is cancelled by the outer run's deadline: the abort reaches the inner nodes", async () => {
    const c = compile(outerGraph(2), registry, env);
    const t0 = performance.now();
    const e = await execute(c.plan!, { x: f32([1, 2], [1, 2]) }, { models: { run: () => Promise.reject(new Error("none")) }, timeoutMs: 50 }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(RunError);
    expect((e as RunError).code).toBe("RUN_TIMEOUT");
    expect(performance.now() - t0).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 10));
    expect(aborted).toContain("m");
  });

  it("reports an inner version that does not compile on the node", () => {
    const c = compile(outerGraph(3), registry, env);
    expect(c.issues).toEqual(expect.arrayContaining([expect.objectContaining({ code: "SUBPIPELINE_INVALID", nodeId: "sub", message: expect.stringContaining("pipeline 'inner' v3 does not compile") })]));
  });
});
