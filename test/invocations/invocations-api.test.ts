import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { expectAppError, TestClient } from "../helpers/clients.ts";
import { BACKENDS } from "../helpers/databases.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;

describe.each(BACKENDS)("invocations tRPC API on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let admin: TestClient;
  let viewer: TestClient;
  const now = Math.floor(Date.now() / HOUR) * HOUR + 30 * MIN; // mid-hour, so "the last 24 h" is stable
  const ids = { a: "", b: "" };
  let keyId: string;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    admin = new TestClient(db.prisma);
    await (await admin.api()).auth.setup({ email: "admin@example.com", name: "Admin", password: "password-admin" });
    const api = await admin.api();
    await api.users.create({ email: "viewer@example.com", name: "Viewer", password: "password-viewer", role: "viewer" });
    viewer = new TestClient(db.prisma);
    await (await viewer.api()).auth.signIn({ email: "viewer@example.com", password: "password-viewer" });
    await api.pipelines.create({ slug: "alpha", name: "Alpha" });
    await api.pipelines.create({ slug: "beta", name: "Beta" });
    ids.a = (await db.prisma.pipeline.findUniqueOrThrow({ where: { slug: "alpha" } })).id;
    ids.b = (await db.prisma.pipeline.findUniqueOrThrow({ where: { slug: "beta" } })).id;
    keyId = (await api.apiKeys.create({ name: "prod key", pipelines: [] })).id;

    // alpha: 100 runs, one a minute for the last 100 minutes, durations 1..100 ms, every 10th an error.
    // beta: 3 runs two hours ago, one 30 hours ago (outside the sparkline window).
    const rows = [];
    for (let i = 1; i <= 100; i++) {
      rows.push({
        id: randomUUID(),
        pipelineId: ids.a,
        versionNumber: i % 2 ? 1 : 2,
        alias: i % 2 ? "production" : null,
        source: i % 3 ? ("rest" as const) : ("editor" as const),
        status: i % 10 ? ("ok" as const) : ("error" as const),
        errorCode: i % 10 ? null : "NODE_FAILED",
        startedAt: new Date(now - (100 - i) * MIN),
        durationMs: i,
        trace: [
          { nodeId: "model", type: "model/onnx@v1", status: "ok", start: 0, durationMs: i * 0.8 },
          { nodeId: "post", type: "post/top-k@v1", status: "ok", start: i * 0.8, durationMs: 0.1 },
        ],
        inputs: { secret: i },
        outputs: { label: "x" },
        apiKeyId: i % 3 ? keyId : null,
      });
    }
    for (const at of [now - 2 * HOUR, now - 2 * HOUR + MIN, now - 2 * HOUR + 2 * MIN, now - 30 * HOUR]) {
      rows.push({ id: randomUUID(), pipelineId: ids.b, versionNumber: null, draftHash: "h", source: "editor" as const, status: "ok" as const, startedAt: new Date(at), durationMs: 5, trace: [], inputs: {}, outputs: {} });
    }
    await db.prisma.invocation.createMany({ data: rows });
  });
  afterAll(async () => dispose?.());

  it("lists newest first with cursor pagination, no payloads, names resolved; viewers may read", async () => {
    const api = await viewer.api();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api.invocations.list({ slug: "alpha", limit: 30, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.id));
      for (const item of page.items) {
        expect(item).not.toHaveProperty("inputs");
        expect(item).not.toHaveProperty("outputs");
        expect(item).not.toHaveProperty("trace");
        expect(item.pipeline).toEqual({ slug: "alpha", name: "Alpha" });
      }
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(100);
    const first = await api.invocations.list({ limit: 2 });
    expect(first.items[0]!.durationMs).toBe(100); // the newest
    expect(first.items[0]!.apiKey).toEqual({ id: keyId, name: "prod key" });
  });

  it("filters by version or alias, status, source, API key, time range and latency", async () => {
    const api = await viewer.api();
    const count = async (input: Parameters<Awaited<ReturnType<TestClient["api"]>>["invocations"]["list"]>[0]) => (await api.invocations.list({ limit: 200, ...input })).items.length;
    expect(await count({ slug: "alpha", version: 2 })).toBe(50);
    expect(await count({ slug: "alpha", alias: "production" })).toBe(50);
    expect(await count({ version: "draft" })).toBe(4);
    expect(await count({ slug: "alpha", status: "error" })).toBe(10);
    expect(await count({ slug: "alpha", source: "editor" })).toBe(33);
    expect(await count({ apiKeyId: keyId })).toBe(67);
    expect(await count({ slug: "alpha", minDurationMs: 91 })).toBe(10);
    expect(await count({ from: new Date(now - 9.5 * MIN).toISOString(), to: now + 1 })).toBe(10);
    expect(await count({ slug: "beta", from: now - 24 * HOUR })).toBe(3);
    await expectAppError(api.invocations.list({ slug: "nope" }), "NOT_FOUND");
    await expectAppError(api.invocations.list({ cursor: "garbage" }), "INVALID_INPUT");
  });

  it("names the API keys for the log's key filter, to viewers, without secrets", async () => {
    const keys = await (await viewer.api()).invocations.keys();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ id: keyId, name: "prod key", revokedAt: null });
    expect(keys[0]!.prefix).toMatch(/^[A-Za-z0-9]+$/);
    expect(Object.keys(keys[0]!).sort()).toEqual(["id", "name", "prefix", "revokedAt"]);
    await expectAppError((await viewer.api()).apiKeys.list(), "FORBIDDEN");
  });

  it("gets one row in full: inputs, outputs, error, trace", async () => {
    const api = await viewer.api();
    const [item] = (await api.invocations.list({ slug: "alpha", status: "error", limit: 1 })).items;
    const full = await api.invocations.get({ id: item!.id });
    expect(full).toMatchObject({ id: item!.id, status: "error", errorCode: "NODE_FAILED", inputs: { secret: 100 }, outputs: { label: "x" }, pipeline: { slug: "alpha" }, apiKey: { id: keyId, name: "prod key" } });
    expect((full.trace as unknown[]).length).toBe(2);
    await expectAppError(api.invocations.get({ id: randomUUID() }), "NOT_FOUND");
  });

  it("computes per-minute buckets with percentiles in SQL, and the slowest nodes", async () => {
    const api = await viewer.api();
    const s = await api.invocations.stats({ slug: "alpha", from: now - 100 * MIN, to: now + MIN, bucket: "minute" });
    expect(s.buckets).toHaveLength(100);
    expect(s.buckets.every((b) => b.count === 1 && b.bucketStart % MIN === 0)).toBe(true);
    expect(s.buckets.filter((b) => b.errors === 1)).toHaveLength(10);
    const hourly = await api.invocations.stats({ slug: "alpha", from: now - 3 * HOUR, to: now + MIN, bucket: "hour" });
    expect(hourly.buckets.reduce((n, b) => n + b.count, 0)).toBe(100);
    // percentile_cont: linear interpolation between the closest ranks, as computed here per hourly bucket.
    const cont = (sorted: number[], p: number) => {
      const pos = p * (sorted.length - 1);
      const lo = Math.floor(pos);
      return sorted[lo]! + (sorted[Math.ceil(pos)]! - sorted[lo]!) * (pos - lo);
    };
    for (const b of hourly.buckets) {
      const durations = Array.from({ length: 100 }, (_, k) => k + 1).filter((i) => Math.floor((now - (100 - i) * MIN) / HOUR) * HOUR === b.bucketStart);
      expect(b.count).toBe(durations.length);
      expect(b.p50Ms).toBeCloseTo(cont(durations, 0.5), 6);
      expect(b.p95Ms).toBeCloseTo(cont(durations, 0.95), 6);
      expect(b.p99Ms).toBeCloseTo(cont(durations, 0.99), 6);
    }
    expect(s.slowestNodes.map((n) => n.node)).toEqual(["model", "post"]);
    expect(s.slowestNodes[0]).toMatchObject({ type: "model/onnx@v1", count: 100 });
    expect(s.slowestNodes[0]!.meanMs).toBeCloseTo(40.4, 6);
    expect(s.slowestNodes[0]!.p95Ms).toBeCloseTo(95.05 * 0.8, 6);
    await expectAppError(api.invocations.stats({ slug: "alpha", from: now - 30 * 24 * HOUR, to: now, bucket: "minute" }), "INVALID_INPUT");
  });

  it("gives every pipeline 24 hourly counts for the sparklines", async () => {
    const s = await (await viewer.api()).invocations.sparklines();
    const bySlug = Object.fromEntries(s.pipelines.map((p) => [p.slug, p]));
    expect(bySlug.alpha!.counts).toHaveLength(24);
    expect(bySlug.alpha!.total).toBe(100);
    expect(bySlug.beta!.total).toBe(3);
    expect(bySlug.beta!.counts[21]).toBe(3); // two hours before the current hour
    expect(s.from % HOUR).toBe(0);
  });
});
