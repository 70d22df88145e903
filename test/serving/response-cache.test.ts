import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import type { TPlan } from "@/server/engine/compiler/compile.ts";
import type { TNodeDefinition } from "@/server/engine/define-node.ts";
import { createMetrics, type TMetrics } from "@/server/http/metrics.ts";
import type { TModelRuntime } from "@/server/services/models/model-runtime.ts";
import { isDeterministicPlan, ResponseCache } from "@/server/services/runs/response-cache.ts";
import { TestClient } from "../helpers/clients.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { testEngine } from "../helpers/engine.ts";
import { installIris, IRIS_ROW } from "../helpers/iris.ts";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";

/**
 * Issue 12 item 2: the response cache, opt-in per pipeline. A hit answers the same outputs without running
 * the pipeline (the model runner is not called), is still an Invocation row marked `cached`, and is counted
 * in the metrics; drafts, the publish gate and errors never go through it; the key is the version (content
 * hash + compiled plan) and the canonical inputs; answers expire after the pipeline's TTL.
 */
describe.each(BACKENDS)("response cache on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let dir: string;
  let runtime: TModelRuntime;
  let h: TServingHarness;
  let key: string;
  let metrics: TMetrics;
  let modelRuns = 0;
  const SLUG = "iris-classifier";

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    dir = await mkdtemp(path.join(tmpdir(), "inferline-cache-"));
    ({ key, runtime } = await installIris(db, dir));
    const cache = new ResponseCache(8 * 1024 * 1024);
    metrics = createMetrics({ responseCache: () => cache.stats() });
    const models = { run: (...args: Parameters<TModelRuntime["runner"]["run"]>) => (modelRuns++, runtime.runner.run(...args)) };
    h = await startServingHarness({ db, engine: testEngine(models, { responseCache: cache, observer: metrics }), adminSetup: false });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await runtime?.close();
    await dispose?.();
    await rm(dir, { recursive: true, force: true });
  });

  const invoke = (flower: unknown, route = `/api/v1/pipelines/${SLUG}/invoke`) =>
    fetch(`${h.base}${route}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ flower }) });
  const call = async (flower: unknown, route?: string) => {
    const res = await invoke(flower, route);
    const body = (await res.json()) as { invocation_id: string; outputs: unknown; version: number };
    return { status: res.status, cache: res.headers.get("x-inferline-cache"), body, row: await db.prisma.invocation.findUniqueOrThrow({ where: { id: body.invocation_id } }) };
  };

  it("is off by default: repeated calls all run the model and no row is marked cached", async () => {
    const before = modelRuns;
    const a = await call(IRIS_ROW);
    const b = await call(IRIS_ROW);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.cache, b.cache]).toEqual([null, null]);
    expect(modelRuns - before).toBe(2);
    expect([a.row.cached, b.row.cached]).toEqual([false, false]);
  });

  it("once an editor turns it on (audited), a repeated call is answered from memory, logged `cached` and counted", async () => {
    const api = await h.admin.api();
    const set = await api.pipelines.setCachePolicy({ slug: SLUG, enabled: true, ttlSeconds: 60 });
    expect(set.cachePolicy).toEqual({ enabled: true, ttlSeconds: 60 });
    expect((await api.pipelines.get({ slug: SLUG })).cachePolicy).toEqual({ enabled: true, ttlSeconds: 60 });
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: "pipeline.cachePolicy" }, orderBy: { id: "desc" } });
    expect(audit.details).toEqual({ enabled: true, ttlSeconds: 60 });

    const row = { ...IRIS_ROW, sepal_length_cm: 6.3 };
    const before = modelRuns;
    const miss = await call(row);
    expect(miss.cache).toBe("miss");
    expect(modelRuns - before).toBe(1);
    const hit = await call(row);
    expect(hit.status).toBe(200);
    expect(hit.cache).toBe("hit");
    expect(modelRuns - before).toBe(1); // the model did not run again
    expect(hit.body.outputs).toEqual(miss.body.outputs);
    expect(hit.body.invocation_id).not.toBe(miss.body.invocation_id);
    expect(hit.row).toMatchObject({ status: "ok", cached: true, source: "rest", versionNumber: miss.body.version, alias: "production", inputs: { flower: row } });
    expect(hit.row.outputs).toEqual(miss.row.outputs);
    expect(hit.row.trace).toEqual([]);
    expect(miss.row.cached).toBe(false);

    // The same keys in another order are the same inputs (canonical JSON); another value is not.
    const reordered = Object.fromEntries(Object.entries(row).reverse());
    expect((await call(reordered)).cache).toBe("hit");
    expect((await call({ ...row, petal_width_cm: 1.8 })).cache).toBe("miss");
    // The version route shares the entries of the version the alias points at.
    expect((await call(row, `/api/v1/pipelines/${SLUG}/versions/${miss.body.version}/invoke`)).cache).toBe("hit");

    // OIP decodes its BYTES tensor into the same input value: the same entry answers it.
    const oip = await fetch(`${h.base}/v2/models/${SLUG}/infer`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ inputs: [{ name: "flower", shape: [1], datatype: "BYTES", data: [JSON.stringify(row)] }] }),
    });
    expect(oip.status).toBe(200);
    expect(oip.headers.get("x-inferline-cache")).toBe("hit");
    const oipBody = (await oip.json()) as { parameters: { invocation_id: string } };
    expect(await db.prisma.invocation.findUniqueOrThrow({ where: { id: oipBody.parameters.invocation_id }, select: { source: true, cached: true } })).toEqual({ source: "oip", cached: true });
    expect(modelRuns - before).toBe(2); // the one miss above, and the petal_width 1.8 call

    const text = await metrics.registry.metrics();
    expect(text).toMatch(new RegExp(`inferline_response_cache_lookups_total\\{pipeline="${SLUG}",result="hit"\\} 4`));
    expect(text).toMatch(new RegExp(`inferline_response_cache_lookups_total\\{pipeline="${SLUG}",result="miss"\\} 2`));
    expect(text).toMatch(new RegExp(`inferline_invocations_total\\{pipeline="${SLUG}",source="rest",status="ok"\\} 7`)); // hits count as calls
    expect(text).toMatch(new RegExp(`inferline_invocations_total\\{pipeline="${SLUG}",source="oip",status="ok"\\} 1`));
    expect(text).toMatch(/inferline_response_cache_entries 2/);
  });

  it("never keeps errors: a bad call runs (and fails) every time", async () => {
    const bad = { sepal_length_cm: 5 };
    const a = await call(bad);
    const b = await call(bad);
    expect([a.status, b.status]).toEqual([422, 422]);
    expect([a.cache, b.cache]).toEqual([null, null]);
    expect([a.row.cached, b.row.cached]).toEqual([false, false]);
    expect(a.row.errorNode).toBe(b.row.errorNode);
  });

  it("never answers editor test runs, of the draft or of a version", async () => {
    const api = await h.admin.api();
    const before = await db.prisma.invocation.count({ where: { source: "editor" } });
    for (const target of ["draft", 1, "draft", 1] as const) expect((await api.runs.test({ slug: SLUG, target, inputs: { flower: IRIS_ROW } })).status).toBe("ok");
    const rows = await db.prisma.invocation.findMany({ where: { source: "editor" }, orderBy: { startedAt: "asc" }, select: { cached: true, versionNumber: true } });
    expect(rows.slice(before)).toEqual([
      { cached: false, versionNumber: null },
      { cached: false, versionNumber: 1 },
      { cached: false, versionNumber: null },
      { cached: false, versionNumber: 1 },
    ]);
  });

  it("answers expire after the TTL, and turning it off runs every call again", async () => {
    const api = await h.admin.api();
    await api.pipelines.setCachePolicy({ slug: SLUG, enabled: true, ttlSeconds: 1 });
    const row = { ...IRIS_ROW, sepal_width_cm: 2.2 };
    expect((await call(row)).cache).toBe("miss");
    expect((await call(row)).cache).toBe("hit");
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await call(row)).cache).toBe("miss");
    await api.pipelines.setCachePolicy({ slug: SLUG, enabled: false });
    const off = await call(row);
    expect(off.cache).toBeNull();
    expect(off.row.cached).toBe(false);
  });

  it("is an editor's setting: a viewer is refused", async () => {
    await (await h.admin.api()).users.create({ email: `viewer-${backend.name}@example.com`, name: "Viewer", password: "password-viewer", role: "viewer" });
    const viewer = new TestClient(db.prisma);
    await (await viewer.api()).auth.signIn({ email: `viewer-${backend.name}@example.com`, password: "password-viewer" });
    await expect((await viewer.api()).pipelines.setCachePolicy({ slug: SLUG, enabled: true })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect((await h.admin.api()).pipelines.setCachePolicy({ slug: SLUG, enabled: true, ttlSeconds: 0 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("ResponseCache", () => {
  const node = (id: string, def: Partial<TNodeDefinition<unknown>>) => [id, { id, type: "tabular/features@v1", def: def as TNodeDefinition<unknown>, params: { fields: ["a"] }, inputs: {}, inputSpecs: {}, outputs: {}, resolved: null }] as const;
  const plan = (nodes: ReturnType<typeof node>[]): TPlan => ({ order: nodes.map(([id]) => id), nodes: new Map(nodes), inputs: [], outputs: [] });

  it("keys by version, plan and canonical inputs; tensors and bytes by their contents", () => {
    const c = new ResponseCache(1 << 20);
    const p = plan([node("a", {})]);
    const k = (inputs: Record<string, unknown>, hash = "h1", pl = p) => c.key("pipe", hash, pl, inputs);
    expect(k({ x: { b: 1, a: [1, 2] } })).toBe(k({ x: { a: [1, 2], b: 1 } }));
    expect(k({ x: 1 })).not.toBe(k({ x: 2 }));
    expect(k({ x: 1 }, "h2")).not.toBe(k({ x: 1 }));
    expect(k({ x: 1 }, "h1", plan([node("a", {}), node("b", {})]))).not.toBe(k({ x: 1 }));
    expect(k({ f: new Uint8Array([1, 2, 3]) })).toBe(k({ f: new Uint8Array([1, 2, 3]) }));
    expect(k({ f: new Uint8Array([1, 2, 3]) })).not.toBe(k({ f: new Uint8Array([1, 2, 4]) }));
    const t = (v: number) => ({ dtype: "float32", shape: [1, 2], data: new Float32Array([v, 1]) });
    expect(k({ t: t(0.5) })).toBe(k({ t: t(0.5) }));
    expect(k({ t: t(0.5) })).not.toBe(k({ t: t(0.25) }));
  });

  it("evicts the least recently used past its byte cap, and does not keep an answer over a quarter of it", () => {
    const c = new ResponseCache(16 * 1024);
    const entry = (chars: number) => ({ outputs: { s: "x".repeat(chars) }, values: {} });
    c.set("a", entry(1000), 60);
    c.set("b", entry(1000), 60);
    expect(c.get("a")).toBeDefined(); // a is now the most recently used
    for (const k of ["c", "d", "e", "f", "g", "h"]) c.set(k, entry(1000), 60);
    expect(c.stats().bytes).toBeLessThanOrEqual(16 * 1024);
    expect(c.get("b")).toBeUndefined();
    expect(c.get("a")).toBeDefined();
    c.set("big", entry(3000), 60); // ~6 KB of UTF-16 > 4 KB
    expect(c.get("big")).toBeUndefined();
  });

  it("a plan with a node marked not deterministic is never eligible", () => {
    expect(isDeterministicPlan(plan([node("a", {}), node("b", { deterministic: true })]))).toBe(true);
    expect(isDeterministicPlan(plan([node("a", {}), node("r", { deterministic: false })]))).toBe(false);
  });
});
