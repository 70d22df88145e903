import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { createMetrics } from "@/server/http/metrics.ts";
import { outputsAgree } from "@/server/services/invocations/output-agreement.ts";
import { RunnableResolver } from "@/server/services/runs/runnable-resolver.ts";
import { ShadowRunner } from "@/server/services/runs/shadow-runs.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { expectAppError, TestClient } from "../helpers/clients.ts";
import { testEngine } from "../helpers/engine.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";

/**
 * Canary and shadow on aliases (issue 14 item 4), on both backends: the split honours its weight and is
 * sticky per route key; shadow copies are logged beside the call they copy and never returned; a failing
 * shadow changes nothing for the caller; validation, audit, the comparison and promoting through the gate.
 */
describe.each(BACKENDS)("canary and shadow on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let h: TServingHarness;
  let editor: TestClient;
  let viewer: TestClient;
  let key: string;
  const shadows = new ShadowRunner(64);

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    h = await startServingHarness({ db, engine: testEngine(undefined, { shadows }) });
    const admin = await h.admin.api();
    await admin.users.create({ email: "ed@example.com", name: "Ed", password: "password-editor", role: "editor" });
    await admin.users.create({ email: "vi@example.com", name: "Vi", password: "password-viewer", role: "viewer" });
    editor = new TestClient(db.prisma, testEngine(undefined, { shadows }), () => h.serving.invalidate());
    await (await editor.api()).auth.signIn({ email: "ed@example.com", password: "password-editor" });
    viewer = new TestClient(db.prisma);
    await (await viewer.api()).auth.signIn({ email: "vi@example.com", password: "password-viewer" });
    const api = await editor.api();
    await api.pipelines.create({ slug: "toy", name: "Toy" });
    await api.pipelines.create({ slug: "other", name: "Other" });
    const good = toyClassifierGraph();
    const variants = [
      good, // v1
      withParams(good, "scale", { mean: [1, 2.000001], std: [2, 4] }), // v2: same answers within tolerance
      withParams(good, "topk", { k: 2, labels: ["right", "left"] }), // v3: the other label
      withParams(good, "features", { fields: ["a", "c"] }), // v4: fails on every call (no field c)
    ];
    for (const [i, g] of variants.entries()) {
      const d = await api.drafts.get({ slug: "toy" });
      await api.drafts.save({ slug: "toy", graph: g, layout: {}, baseRevision: d.revision });
      await api.versions.commit({ slug: "toy", message: `v${i + 1}` });
    }
    await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
    key = (await admin.apiKeys.create({ name: "all", pipelines: [] })).key;
  }, 120_000);
  afterAll(async () => {
    await shadows.idle();
    await h?.close();
    await dispose?.();
  });

  const invoke = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers }, body: JSON.stringify(body) });

  it("validates splits: weights 1–99, committed versions other than the alias's, editors only, audited", async () => {
    const api = await editor.api();
    const split = (canary: { version: number; weight: number; sticky: boolean } | null, shadow: number | null, alias = "production") => api.aliases.split({ slug: "toy", alias, canary, shadow });
    for (const weight of [0, 100, -5]) expect((await expectAppError(split({ version: 2, weight, sticky: true }, null), "INVALID_SPLIT")).message).toContain("1 to 99");
    expect((await expectAppError(split({ version: 1, weight: 10, sticky: true }, null), "INVALID_SPLIT")).message).toContain("another version than the one production points at (v1)");
    expect((await expectAppError(split(null, 1), "INVALID_SPLIT")).message).toContain("shadow must be another version");
    expect((await expectAppError(split({ version: 9, weight: 10, sticky: true }, null), "INVALID_SPLIT")).message).toContain("no committed version 9");
    expect((await expectAppError(split(null, 9), "INVALID_SPLIT")).message).toContain("no committed version 9 to use as the shadow");
    await expectAppError(split(null, 2, "staging"), "NOT_FOUND");
    await expectAppError(api.aliases.split({ slug: "other", alias: "production", canary: null, shadow: 2 }), "NOT_FOUND");
    await expectAppError((await viewer.api()).aliases.split({ slug: "toy", alias: "production", canary: null, shadow: 2 }), "FORBIDDEN");
    await expectAppError(api.aliases.promote({ slug: "toy", alias: "production" }), "INVALID_SPLIT");

    expect(await split({ version: 2, weight: 10, sticky: false }, 3)).toEqual({ alias: "production", version: 1, canary: { version: 2, weight: 10, sticky: false }, shadow: 3 });
    expect((await api.aliases.list({ slug: "toy" })).find((a) => a.name === "production")).toMatchObject({ version: 1, canary: { version: 2, weight: 10, sticky: false }, shadow: 3 });
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: "alias.split" }, orderBy: { id: "desc" } });
    expect(audit.details).toMatchObject({ alias: "production", version: 1, canary: 2, weight: 10, sticky: false, shadow: 3, previousCanary: null });
    await split(null, null);
  });

  it("honours the weight over 2000 calls, random or sticky per route key", async () => {
    await (await editor.api()).aliases.split({ slug: "toy", alias: "production", canary: { version: 2, weight: 10, sticky: false }, shadow: null });
    const resolver = new RunnableResolver(db.prisma, { ttlMs: 60_000 });
    let canary = 0;
    for (let i = 0; i < 2000; i++) if ((await resolver.resolve("toy", { alias: "production", route: { key: "same-key", draw: Math.random() } })).version === 2) canary++;
    expect(canary).toBeGreaterThan(140); // 10 % of 2000 = 200; ±4.5 σ
    expect(canary).toBeLessThan(260);
    // Without a route (batch jobs, OpenAPI, metadata) the alias's own version, always.
    for (let i = 0; i < 50; i++) expect((await resolver.resolve("toy", { alias: "production" })).version).toBe(1);

    await (await editor.api()).aliases.split({ slug: "toy", alias: "production", canary: { version: 2, weight: 10, sticky: true }, shadow: null });
    resolver.invalidate();
    canary = 0;
    const placed = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const v = (await resolver.resolve("toy", { alias: "production", route: { key: `user-${i}`, draw: Math.random() } })).version!;
      placed.set(`user-${i}`, v);
      if (v === 2) canary++;
    }
    expect(canary).toBeGreaterThan(140);
    expect(canary).toBeLessThan(260);
    // Sticky: the same key lands on the same version every time, whatever the draw.
    for (const k of ["user-1", "user-2", "user-3", [...placed].find(([, v]) => v === 2)![0]]) {
      for (let i = 0; i < 20; i++) expect((await resolver.resolve("toy", { alias: "production", route: { key: k, draw: Math.random() } })).version).toBe(placed.get(k));
    }
  });

  it("over REST: says which version answered, sticky by X-Inferline-Route-Key", async () => {
    await (await editor.api()).aliases.split({ slug: "toy", alias: "production", canary: { version: 2, weight: 50, sticky: true }, shadow: null });
    const seen = new Map<string, Set<number>>();
    for (let i = 0; i < 60; i++) {
      const routeKey = `caller-${i % 12}`;
      const res = await invoke({ flower: { a: 3, b: 2 } }, { "x-inferline-route-key": routeKey });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(res.headers.get("x-inferline-version")).toBe(String(body.version));
      const row = await db.prisma.invocation.findUniqueOrThrow({ where: { id: body.invocation_id } });
      expect(row).toMatchObject({ versionNumber: body.version, alias: "production", shadowOf: null });
      seen.set(routeKey, (seen.get(routeKey) ?? new Set()).add(body.version));
    }
    expect([...seen.values()].every((s) => s.size === 1)).toBe(true);
    const versions = new Set([...seen.values()].flatMap((s) => [...s]));
    expect(versions).toEqual(new Set([1, 2]));
    // Without the header the API key is the route key: one key, one version.
    const byKey = new Set<number>();
    for (let i = 0; i < 10; i++) byKey.add((await (await invoke({ flower: { a: 3, b: 2 } })).json()).version);
    expect(byKey.size).toBe(1);
  });

  it("logs a shadow copy of each call beside it and never returns its outputs", async () => {
    await (await editor.api()).aliases.split({ slug: "toy", alias: "production", canary: null, shadow: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await invoke({ flower: { a: 3, b: 2 } });
      const body = await res.json();
      expect(res.headers.get("x-inferline-version")).toBe("1");
      expect(body).toMatchObject({ version: 1, outputs: { label: "left" } }); // v3 would say "right"
      ids.push(body.invocation_id);
    }
    await shadows.idle();
    const copies = await db.prisma.invocation.findMany({ where: { shadowOf: { in: ids } } });
    expect(copies).toHaveLength(20);
    expect(new Set(copies.map((c) => c.shadowOf))).toEqual(new Set(ids));
    for (const c of copies) {
      expect(c).toMatchObject({ versionNumber: 3, alias: "production", source: "rest", status: "ok" });
      expect((c.outputs as { label: string }).label).toBe("right");
    }
    // The dashboard's buckets count each call once (shadow copies are left out).
    const stats = await (await viewer.api()).invocations.stats({ slug: "toy", from: Date.now() - 3_600_000, to: Date.now() + 60_000, bucket: "hour" });
    const rows = await db.prisma.invocation.count({ where: { pipelineId: copies[0]!.pipelineId, shadowOf: null, status: { not: "running" } } });
    expect(stats.buckets.reduce((n, b) => n + b.count, 0)).toBe(rows);
  });

  it("a failing shadow changes nothing for the caller", async () => {
    await (await editor.api()).aliases.split({ slug: "toy", alias: "production", canary: null, shadow: 4 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await invoke({ flower: { a: 0, b: 9 } });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.outputs.label).toBe("right");
      ids.push(body.invocation_id);
    }
    await shadows.idle();
    const copies = await db.prisma.invocation.findMany({ where: { shadowOf: { in: ids } } });
    expect(copies).toHaveLength(10);
    expect(copies.every((c) => c.status === "error" && c.errorNode === "features" && c.versionNumber === 4)).toBe(true);
    expect(await db.prisma.invocation.count({ where: { id: { in: ids }, status: "ok" } })).toBe(10);
  });

  it("compares the versions: latency, errors, counts, agreement of shadow copies", async () => {
    const api = await viewer.api();
    const range = { slug: "toy", alias: "production", from: Date.now() - 3_600_000, to: Date.now() + 60_000 };
    await (await editor.api()).aliases.split({ slug: "toy", alias: "production", canary: null, shadow: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await (await invoke({ flower: { a: i, b: 2 } })).json()).invocation_id);
    await shadows.idle();
    const c = await api.invocations.compare(range);
    expect(c).toMatchObject({ version: 1, canary: null, shadow: 2 });
    const row = (version: number, role: string) => c.versions.find((v) => v.version === version && v.role === role);
    expect(row(3, "shadow")).toMatchObject({ count: 20, errors: 0 });
    expect(row(4, "shadow")).toMatchObject({ count: 10, errors: 10 });
    expect(row(2, "shadow")).toMatchObject({ count: 10, errors: 0 });
    expect(row(1, "served")!.count).toBeGreaterThan(40);
    expect(row(1, "served")!.p50Ms).toBeTypeOf("number");
    expect(row(1, "served")!.p95Ms).toBeGreaterThanOrEqual(row(1, "served")!.p50Ms!);
    // v3 (labels swapped) disagrees 20 times, v2 (scores within 1e-4) agrees 10 times, v4 failed 10 times.
    expect(c.agreement).toMatchObject({ pairs: 40, compared: 30, agree: 10, disagree: 20, shadowOnlyFailed: 10, primaryOnlyFailed: 0 });
    await expectAppError(api.invocations.compare({ ...range, alias: "staging" }), "NOT_FOUND");
  });

  it("promotes the canary through the publish gate and clears the split", async () => {
    const api = await editor.api();
    await api.aliases.split({ slug: "toy", alias: "production", canary: { version: 3, weight: 10, sticky: true }, shadow: 2 });
    await api.samples.save({ slug: "toy", name: "a big", inputs: { flower: { a: 3, b: 2 } }, expected: { label: { value: "left" } } });
    // v3 answers "right": the gate refuses, nothing changes.
    await expectAppError(api.aliases.promote({ slug: "toy", alias: "production" }), "PUBLISH_GATE_FAILED");
    expect((await api.aliases.list({ slug: "toy" })).find((a) => a.name === "production")).toMatchObject({ version: 1, canary: { version: 3, weight: 10 }, shadow: 2 });

    await api.aliases.split({ slug: "toy", alias: "production", canary: { version: 2, weight: 10, sticky: true }, shadow: 3 });
    const moved = await api.aliases.promote({ slug: "toy", alias: "production" });
    expect(moved).toMatchObject({ alias: "production", version: 2, previous: 1, gate: { passed: true, checked: 1 } });
    expect((await api.aliases.list({ slug: "toy" })).find((a) => a.name === "production")).toMatchObject({ version: 2, canary: null, shadow: 3 });
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: "alias.promote" }, orderBy: { id: "desc" } });
    expect(audit.details).toMatchObject({ alias: "production", from: 1, to: 2, canaryCleared: true, samplesChecked: 1, samplesFailed: 0 });
    const res = await invoke({ flower: { a: 3, b: 2 } });
    expect(res.headers.get("x-inferline-version")).toBe("2");
    // Moving the alias onto its shadow clears the shadow too (it would copy calls to itself).
    await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
    await api.aliases.split({ slug: "toy", alias: "production", canary: null, shadow: 2 });
    await api.aliases.set({ slug: "toy", alias: "production", version: 2 });
    expect((await api.aliases.list({ slug: "toy" })).find((a) => a.name === "production")).toMatchObject({ version: 2, shadow: null });
  });
});

describe("shadow runner", () => {
  it("drops copies past its bound instead of queueing them, and counts them in /metrics", async () => {
    const runner = new ShadowRunner(2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    expect(runner.offer(() => gate)).toBe(true);
    expect(runner.offer(() => gate)).toBe(true);
    expect(runner.offer(() => gate)).toBe(false);
    expect(runner.offer(() => Promise.reject(new Error("never started")))).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(runner.stats()).toEqual({ inFlight: 2, started: 2, dropped: 2, failed: 0 });
    release();
    await runner.idle();
    expect(runner.offer(() => Promise.reject(new Error("log down")))).toBe(true);
    await runner.idle();
    expect(runner.stats()).toEqual({ inFlight: 0, started: 3, dropped: 2, failed: 1 });
    const text = await createMetrics({ shadows: () => runner.stats() }).registry.metrics();
    expect(text).toContain("inferline_shadow_dropped_total 2");
    expect(text).toContain("inferline_shadow_runs_in_flight 0");
  });
});

describe("output agreement", () => {
  const t = (dtype: string, shape: number[], data: number[]) => ({ dtype, shape, data });
  it("equal strings and ints, floats within 1e-4 relative, float tensors by tolerance or same argmax per row, ranked lists by top-1", () => {
    expect(outputsAgree({ label: "cat", n: 3 }, { label: "cat", n: 3 })).toBe(true);
    expect(outputsAgree({ label: "cat" }, { label: "dog" })).toBe(false);
    expect(outputsAgree({ n: 3 }, { n: 4 })).toBe(false);
    expect(outputsAgree({ x: 1.5 }, { x: 1.50001 })).toBe(true);
    expect(outputsAgree({ x: 1.5 }, { x: 1.501 })).toBe(false);
    expect(outputsAgree({ p: t("float32", [2, 3], [0.1, 0.7, 0.2, 0.5, 0.3, 0.2]) }, { p: t("float32", [2, 3], [0.2, 0.6, 0.2, 0.4, 0.35, 0.25]) })).toBe(true);
    expect(outputsAgree({ p: t("float32", [2, 3], [0.1, 0.7, 0.2, 0.5, 0.3, 0.2]) }, { p: t("float32", [2, 3], [0.2, 0.6, 0.2, 0.3, 0.5, 0.2]) })).toBe(false);
    expect(outputsAgree({ p: t("float32", [1, 1], [0.5]) }, { p: t("float32", [1, 1], [0.6]) })).toBe(false);
    expect(outputsAgree({ p: t("int64", [2], [1, 2]) }, { p: t("int64", [2], [1, 3]) })).toBe(false);
    expect(outputsAgree({ p: t("float32", [2], [1, 2]) }, { p: t("float32", [1, 2], [1, 2]) })).toBe(false);
    expect(outputsAgree({ top: [{ label: "a", score: 0.9 }, { label: "b", score: 0.1 }] }, { top: [{ label: "a", score: 0.6 }, { label: "c", score: 0.4 }] })).toBe(true);
    expect(outputsAgree({ top: [{ label: "a", score: 0.9 }] }, { top: [{ label: "b", score: 0.9 }] })).toBe(false);
    expect(outputsAgree({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });
});

function withParams<T extends { nodes: { id: string; params?: unknown }[] }>(graph: T, node: string, params: unknown): T {
  const g = structuredClone(graph);
  g.nodes.find((n) => n.id === node)!.params = params;
  return g;
}
