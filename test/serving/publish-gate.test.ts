import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { openDatabase } from "@/server/db/client.ts";
import { compareOutputs } from "@/server/services/samples/compare-outputs.ts";
import { expectAppError, TestClient } from "../helpers/clients.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";

describe("publish gate: moving production runs the samples' expectations", () => {
  let db: Database;
  let admin: TestClient;
  let editor: TestClient;

  beforeAll(async () => {
    db = await openDatabase({ kind: "pglite", dataDir: "memory://" });
    admin = new TestClient(db.prisma);
    await (await admin.api()).auth.setup({ email: "admin@example.com", name: "A", password: "password-admin" });
    await (await admin.api()).users.create({ email: "ed@example.com", name: "Ed", password: "password-ed", role: "editor" });
    editor = new TestClient(db.prisma);
    await (await editor.api()).auth.signIn({ email: "ed@example.com", password: "password-ed" });
    const api = await editor.api();
    await api.pipelines.create({ slug: "toy", name: "Toy" });
    const good = toyClassifierGraph();
    let d = await api.drafts.get({ slug: "toy" });
    await api.drafts.save({ slug: "toy", graph: good, layout: {}, baseRevision: d.revision });
    await api.versions.commit({ slug: "toy", message: "good" });
    // v2: labels swapped, so the same input gets the other label.
    const bad = structuredClone(good);
    bad.nodes.find((n) => n.id === "topk")!.params = { k: 2, labels: ["right", "left"] };
    d = await api.drafts.get({ slug: "toy" });
    await api.drafts.save({ slug: "toy", graph: bad, layout: {}, baseRevision: d.revision });
    await api.versions.commit({ slug: "toy", message: "labels swapped" });
    await api.samples.save({
      slug: "toy",
      name: "a big",
      inputs: { flower: { a: 3, b: 2 } },
      expected: { label: { value: "left" }, scores: { value: { data: [0.7310586, 0.2689414] }, atol: 1e-5 } },
    });
    await api.samples.save({ slug: "toy", name: "no expectations", inputs: { flower: { a: 0, b: 0 } } });
  });
  afterAll(async () => db?.close());

  it("lets a passing version through and records the check", async () => {
    const moved = await (await editor.api()).aliases.set({ slug: "toy", alias: "production", version: 1 });
    expect(moved.gate).toMatchObject({ passed: true, checked: 1 });
    const gateRuns = await db.prisma.invocation.findMany({ where: { source: "batch" } });
    expect(gateRuns).toHaveLength(1);
  });

  it("refuses a failing version with the differences, changing nothing", async () => {
    const err = await expectAppError((await editor.api()).aliases.set({ slug: "toy", alias: "production", version: 2 }), "PUBLISH_GATE_FAILED");
    expect(err.message).toContain("a big");
    expect(err.message).toContain('label: is "right", expected "left"');
    const details = (err.cause as unknown as { details: { failures: { sample: string; differences: { output: string }[] }[] } }).details;
    expect(details.failures[0]!.differences.map((d) => d.output)).toEqual(["label"]);
    expect((await (await editor.api()).aliases.list({ slug: "toy" })).find((a) => a.name === "production")?.version).toBe(1);
    // Other aliases are not gated.
    expect((await (await editor.api()).aliases.set({ slug: "toy", alias: "staging", version: 2 })).gate).toBeNull();
  });

  it("lets only an admin force it, and audits the force", async () => {
    await expectAppError((await editor.api()).aliases.set({ slug: "toy", alias: "production", version: 2, force: true }), "FORBIDDEN");
    const moved = await (await admin.api()).aliases.set({ slug: "toy", alias: "production", version: 2, force: true });
    expect(moved.gate?.passed).toBe(false);
    const audit = await (await admin.api()).audit.list({ slug: "toy", limit: 5 });
    expect(audit.items[0]).toMatchObject({ action: "alias.set", actorEmail: "admin@example.com", details: { alias: "production", from: 1, to: 2, forced: true, samplesFailed: 1 } });
  });
});

describe("compareOutputs", () => {
  it("checks tolerances, top-1 labels and box IoU", () => {
    expect(compareOutputs({ y: { value: [1, 2], atol: 0.01 } }, { y: [1.005, 1.995] })).toEqual([]);
    expect(compareOutputs({ y: { value: [1, 2], atol: 0.001 } }, { y: [1.005, 2] })[0]?.message).toContain("element 0");
    expect(compareOutputs({ y: { value: [100], rtol: 0.1 } }, { y: [109] })).toEqual([]);
    expect(compareOutputs({ top: { value: [{ label: "cat" }], top1: true } }, { top: [{ label: "cat", score: 0.4 }, { label: "dog" }] })).toEqual([]);
    expect(compareOutputs({ t: { value: { data: [0, 1, 0] }, top1: true } }, { t: { dtype: "float32", shape: [3], data: [0.1, 0.7, 0.2] } })).toEqual([]);
    expect(compareOutputs({ b: { value: [[0, 0, 10, 10]], iou: 0.5 } }, { b: [[1, 1, 10, 10]] })).toEqual([]);
    expect(compareOutputs({ b: { value: [[0, 0, 10, 10]], iou: 0.9 } }, { b: [[5, 5, 15, 15]] })[0]?.message).toContain("IoU");
    expect(compareOutputs({ x: { value: { a: 1 } } }, {})[0]?.message).toContain("missing");
  });
});
