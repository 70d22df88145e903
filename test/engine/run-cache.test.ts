import { describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import type { TModelRunner } from "@/server/engine/define-node.ts";
import { execute } from "@/server/engine/executor/execute.ts";
import { MemoryRunCache } from "@/server/engine/executor/run-cache.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";

const models: TModelRunner = { run: () => Promise.reject(new Error("no models")) };
const env = { models: new Map() };

describe("content-hash run cache (editor re-runs)", () => {
  it("re-executes only the nodes whose params or inputs changed", async () => {
    const cache = new MemoryRunCache();
    const graph = toyClassifierGraph();
    const first = await execute(compile(graph, registry, env).plan!, { flower: { a: 3, b: 2 } }, { models, cache });
    expect(first.trace.filter((t) => t.cached)).toEqual([]);

    // Same graph, same input: everything comes from the cache, with the same outputs.
    const again = await execute(compile(graph, registry, env).plan!, { flower: { a: 3, b: 2 } }, { models, cache });
    expect(again.trace.every((t) => t.cached)).toBe(true);
    expect(again.outputs).toEqual(first.outputs);

    // Change the top-k labels: only top-k and what it feeds re-run.
    const edited = structuredClone(graph);
    edited.nodes.find((n) => n.id === "topk")!.params = { k: 2, labels: ["L", "R"] };
    const third = await execute(compile(edited, registry, env).plan!, { flower: { a: 3, b: 2 } }, { models, cache });
    const fresh = third.trace.filter((t) => !t.cached).map((t) => t.nodeId).sort();
    expect(fresh).toEqual(["out_label", "topk"]);
    expect(third.outputs.label).toBe("L");

    // A different input value: everything downstream of the input re-runs.
    const fourth = await execute(compile(edited, registry, env).plan!, { flower: { a: 0, b: 9 } }, { models, cache });
    expect(fourth.trace.filter((t) => t.cached)).toEqual([]);
    expect(fourth.outputs.label).toBe("R");
  });
});
