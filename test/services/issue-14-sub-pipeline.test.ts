import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import type { TGraph } from "@/server/engine/graph/schema.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { expectAppError, TestClient } from "../helpers/clients.ts";
import { testEngine } from "../helpers/engine.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";

/** A pipeline whose one step is another pipeline: flower → sub → label, scores. */
function wrapperGraph(params: Record<string, unknown>): TGraph {
  const g = new GraphBuilder();
  const rec = g.input("flower", { kind: "json" });
  g.add("logic/pipeline@v1", params, "sub");
  g.connect(rec, "value", "sub", "flower");
  g.output("label", "sub", "label");
  g.output("scores", "sub", "scores");
  return g.build();
}

/** A run's outputs; fails the test (with the run's error) when it did not succeed. */
function outputsOf(r: { status: string } & ({ outputs: unknown } | { error: unknown })) {
  if (!("outputs" in r) || r.status !== "ok") throw new Error(`the run failed: ${JSON.stringify(r)}`);
  return r.outputs;
}

/** v2 of the toy classifier answers the other label: so which version ran is visible in the outputs. */
function swappedLabels(): TGraph {
  const g = toyClassifierGraph();
  return { ...g, nodes: g.nodes.map((n) => (n.id === "topk" ? { ...n, params: { ...n.params, labels: ["right", "left"] } } : n)) };
}

/**
 * Sub-pipeline nodes (issue 14 item 3), on both backends: ports from the referenced version, outputs equal to
 * running that version alone, the inner trace nested on the node's trace entry, an alias pinned at commit,
 * cycles and depth refused by the compiler, missing pipelines/versions/aliases named by code and node.
 */
describe.each(BACKENDS)("sub-pipelines on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let editor: TestClient;
  let viewer: TestClient;
  const flower = { a: 3, b: 1 };

  const api = () => editor.api();
  async function save(slug: string, graph: TGraph) {
    const a = await api();
    const d = await a.drafts.get({ slug });
    await a.drafts.save({ slug, graph, layout: {}, baseRevision: d.revision });
  }
  async function create(slug: string, graph: TGraph, commits = 1) {
    const a = await api();
    await a.pipelines.create({ slug, name: slug });
    await save(slug, graph);
    for (let i = 0; i < commits; i++) await a.versions.commit({ slug, message: `v${i + 1}` });
  }
  const issuesOf = async (slug: string, graph: TGraph) => (await (await api()).pipelines.validate({ graph, slug })).issues.filter((i) => i.severity === "error");

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    editor = new TestClient(db.prisma, testEngine());
    await (await editor.api()).auth.setup({ email: "admin@example.com", name: "Admin", password: "password-admin" });
    const a = await editor.api();
    await a.users.create({ email: "vi@example.com", name: "Vi", password: "password-viewer", role: "viewer" });
    viewer = new TestClient(db.prisma);
    await (await viewer.api()).auth.signIn({ email: "vi@example.com", password: "password-viewer" });

    await create("toy", toyClassifierGraph());
    await save("toy", swappedLabels());
    await a.versions.commit({ slug: "toy", message: "v2: labels swapped" });
    await a.aliases.set({ slug: "toy", alias: "production", version: 1 });
    await a.pipelines.create({ slug: "wrapper", name: "Wrapper" });
  }, 120_000);
  afterAll(async () => {
    await dispose?.();
  });

  it("has the referenced version's inputs and outputs as typed ports", async () => {
    const a = await api();
    const inner = await a.pipelines.validate({ graph: toyClassifierGraph() });
    const outer = await a.pipelines.validate({ graph: wrapperGraph({ pipeline: "toy", alias: "production" }), slug: "wrapper" });
    expect(outer.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(outer.ports.sub).toEqual({
      inputs: { flower: inner.inputs[0]!.kind },
      outputs: Object.fromEntries(inner.outputs.map((o) => [o.name, o.kind])),
    });
    expect(outer.outputs.map((o) => [o.name, o.kind])).toEqual(inner.outputs.map((o) => [o.name, o.kind]));
  });

  it("gives the outputs of running the inner version alone, with the inner trace nested on the node", async () => {
    await save("wrapper", wrapperGraph({ pipeline: "toy", alias: "production" }));
    const a = await api();
    const alone = await a.runs.test({ slug: "toy", target: 1, inputs: { flower } });
    const toy = await db.prisma.pipeline.findUniqueOrThrow({ where: { slug: "toy" } });
    const logged = await db.prisma.invocation.count({ where: { pipelineId: toy.id } });
    const wrapped = await a.runs.test({ slug: "wrapper", target: "draft", inputs: { flower } });
    expect(outputsOf(wrapped)).toEqual(outputsOf(alone));
    const entry = wrapped.trace.find((t) => t.nodeId === "sub")!;
    expect(entry).toMatchObject({ type: "logic/pipeline@v1", status: "ok", sub: { count: 1 } });
    const inner = entry.sub!.elements[0]!.nodes;
    expect(Object.keys(inner).sort()).toEqual(alone.trace.map((t) => t.nodeId).sort());
    expect(inner.topk).toMatchObject({ status: "ok", type: "post/top-k@v1" });
    expect(inner.topk!.outputs).toEqual(alone.trace.find((t) => t.nodeId === "topk")!.outputs);
    // It is one run: nothing is logged for the inner pipeline.
    expect(await db.prisma.invocation.count({ where: { pipelineId: toy.id } })).toBe(logged);
  });

  it("pins an alias to its current version at commit; the draft keeps following the alias", async () => {
    const a = await api();
    await save("wrapper", wrapperGraph({ pipeline: "toy", alias: "production" }));
    const v = await a.versions.commit({ slug: "wrapper", message: "wraps toy@production" });
    const committed = await a.versions.get({ slug: "wrapper", number: v.number });
    expect((committed.graph as TGraph).nodes.find((n) => n.id === "sub")!.params).toEqual({ pipeline: "toy", alias: "production", version: 1 });
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: "version.commit" }, orderBy: { id: "desc" } });
    expect(audit.details).toMatchObject({ version: v.number, pinned: "sub: toy@production → v1" });
    const draft = await a.drafts.get({ slug: "wrapper" });
    expect((draft.graph as TGraph).nodes.find((n) => n.id === "sub")!.params).toEqual({ pipeline: "toy", alias: "production" });

    const before = await a.runs.test({ slug: "wrapper", target: v.number, inputs: { flower } });
    await a.aliases.set({ slug: "toy", alias: "production", version: 2 });
    try {
      const after = await a.runs.test({ slug: "wrapper", target: v.number, inputs: { flower } });
      expect(outputsOf(after)).toEqual(outputsOf(before)); // the version did not move with the alias
      const followed = await a.runs.test({ slug: "wrapper", target: "draft", inputs: { flower } });
      const v2 = await a.runs.test({ slug: "toy", target: 2, inputs: { flower } });
      expect(outputsOf(followed)).toEqual(outputsOf(v2));
      expect(outputsOf(followed)).not.toEqual(outputsOf(before));
    } finally {
      await a.aliases.set({ slug: "toy", alias: "production", version: 1 });
    }
  });

  it("refuses to commit a draft whose sub-pipeline follows an alias that does not exist", async () => {
    await save("wrapper", wrapperGraph({ pipeline: "toy", alias: "staging" }));
    const e = await expectAppError((await api()).versions.commit({ slug: "wrapper", message: "no such alias" }), "INVALID_GRAPH");
    expect(e.message).toContain("node 'sub' follows alias 'staging' of pipeline 'toy'");
  });

  it("names the node for a missing pipeline, version or alias", async () => {
    for (const [params, code, text] of [
      [{ pipeline: "nope", version: 1 }, "SUBPIPELINE_NOT_FOUND", "there is no pipeline 'nope'"],
      [{ pipeline: "toy", version: 9 }, "SUBPIPELINE_VERSION_NOT_FOUND", "pipeline 'toy' has no version 9 (versions 1–2)"],
      [{ pipeline: "toy", alias: "staging" }, "SUBPIPELINE_ALIAS_NOT_FOUND", "has no alias 'staging' (it has: production)"],
      [{ pipeline: "toy" }, "SUBPIPELINE_NO_VERSION", "pick a version or an alias"],
    ] as const) {
      const issues = await issuesOf("wrapper", wrapperGraph(params));
      expect(issues, JSON.stringify(params)).toEqual([expect.objectContaining({ code, nodeId: "sub", message: expect.stringContaining(text) })]);
    }
    // At run time too: a draft that does not compile answers INVALID_PIPELINE with the issue.
    await save("wrapper", wrapperGraph({ pipeline: "toy", version: 9 }));
    const r = await (await api()).runs.test({ slug: "wrapper", target: "draft", inputs: { flower } });
    expect(JSON.stringify(r)).toContain("SUBPIPELINE_VERSION_NOT_FOUND");
  });

  it("refuses cycles, directly or through other pipelines and versions", async () => {
    // Directly: the wrapper's draft uses the wrapper.
    expect(await issuesOf("wrapper", wrapperGraph({ pipeline: "wrapper", version: 1 }))).toEqual([
      expect.objectContaining({ code: "SUBPIPELINE_CYCLE", nodeId: "sub", message: expect.stringContaining("wrapper → wrapper") }),
    ]);
    // Through two more: loop-a v1 uses loop-b v1, which uses loop-a (its v1, before loop-a had any sub-pipeline).
    await create("loop-a", toyClassifierGraph());
    await create("loop-b", wrapperGraph({ pipeline: "loop-a", version: 1 }));
    await save("loop-a", wrapperGraph({ pipeline: "loop-b", version: 1 }));
    await (await api()).versions.commit({ slug: "loop-a", message: "v2 uses loop-b" });
    expect(await issuesOf("loop-a", wrapperGraph({ pipeline: "loop-b", version: 1 }))).toEqual([
      expect.objectContaining({ code: "SUBPIPELINE_CYCLE", nodeId: "sub", message: expect.stringContaining("loop-a → loop-b → loop-a") }),
    ]);
    // A third pipeline using loop-a v2 sees the cycle one level down, on its own node, with the cycle's code.
    expect(await issuesOf("wrapper", wrapperGraph({ pipeline: "loop-a", version: 2 }))).toEqual([
      expect.objectContaining({ code: "SUBPIPELINE_CYCLE", nodeId: "sub", message: expect.stringContaining("loop-a → loop-b → loop-a") }),
    ]);
  });

  it("nests at most four levels deep", async () => {
    // depth-1 uses toy, depth-2 uses depth-1, … depth-4 uses depth-3: four levels under a pipeline that uses depth-4.
    let previous = "toy";
    for (const n of [1, 2, 3, 4]) {
      await create(`depth-${n}`, wrapperGraph({ pipeline: previous, version: 1 }));
      previous = `depth-${n}`;
    }
    expect(await issuesOf("wrapper", wrapperGraph({ pipeline: "depth-3", version: 1 }))).toEqual([]);
    const r = await (await api()).runs.test({ slug: "depth-4", target: 1, inputs: { flower } });
    const alone = await (await api()).runs.test({ slug: "toy", target: 1, inputs: { flower } });
    expect(outputsOf(r)).toEqual(outputsOf(alone));
    // Three levels of nesting in the trace: depth-4 › depth-3 › depth-2 › depth-1 › toy's nodes.
    let entry = r.trace.find((t) => t.nodeId === "sub")!;
    for (let level = 0; level < 3; level++) entry = entry.sub!.elements[0]!.nodes.sub!;
    expect(entry.sub!.elements[0]!.nodes.topk).toMatchObject({ status: "ok" });
    expect(await issuesOf("wrapper", wrapperGraph({ pipeline: "depth-4", version: 1 }))).toEqual([
      expect.objectContaining({ code: "SUBPIPELINE_TOO_DEEP", nodeId: "sub", message: expect.stringContaining("at most 4 levels") }),
    ]);
  });

  it("fails on the node, naming the inner pipeline and node, when the inner run fails", async () => {
    await save("wrapper", wrapperGraph({ pipeline: "toy", version: 1 }));
    const r = await (await api()).runs.test({ slug: "wrapper", target: "draft", inputs: { flower: { a: 1 } } });
    expect(r).toMatchObject({ status: "error", error: { code: "NODE_FAILED", nodeId: "sub" } });
    expect(JSON.stringify(r)).toContain("in pipeline 'toy' v1: Node 'features'");
    const entry = r.trace.find((t) => t.nodeId === "sub")!;
    expect(entry.sub!.elements[0]!.nodes.features).toMatchObject({ status: "error" });
  });

  it("lets viewers list pipelines with their versions and aliases for the picker", async () => {
    const list = await (await viewer.api()).pipelines.list({});
    expect(list.find((p) => p.slug === "toy")).toMatchObject({ versionCount: 2, aliases: [{ name: "production", version: 1 }] });
  });
});
