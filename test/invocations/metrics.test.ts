import parsePrometheusTextFormat, { type TPromFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics, isLoopback } from "@/server/http/metrics.ts";
import type { TPoolStats } from "@/server/engine/runtime/inference-pool.ts";
import { testEngine } from "../helpers/engine.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";

const TOKEN = "metrics-token-0123456789";
const pool: TPoolStats = { size: 2, queued: 3, workers: [{ pid: 1, state: "idle", runs: 5, sessions: ["h"] }, { pid: 2, state: "starting", runs: 0, sessions: [] }], completed: 5, failed: 1, timeouts: 1, crashes: 2, restarts: 2, sessionHits: 4, sessionMisses: 1, batches: 3, batchedRuns: 7, batchFallbacks: 1 };

async function publishToy(h: TServingHarness): Promise<string> {
  const api = await h.admin.api();
  await api.pipelines.create({ slug: "toy", name: "Toy" });
  await api.drafts.save({ slug: "toy", graph: toyClassifierGraph(), layout: {}, baseRevision: 1 });
  await api.versions.commit({ slug: "toy", message: "v1" });
  await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
  return (await api.apiKeys.create({ name: "k", pipelines: [] })).key;
}

const family = (all: TPromFamily[], name: string) => {
  const f = all.find((x) => x.name === name);
  if (!f) throw new Error(`no metric ${name}`);
  return f;
};

describe("GET /metrics", () => {
  let h: TServingHarness;
  let key: string;

  beforeAll(async () => {
    const metrics = createMetrics({ inference: () => pool, serving: () => h.serving.stats() });
    h = await startServingHarness({ engine: testEngine(undefined, { observer: metrics }), metrics: { metrics } });
    key = await publishToy(h);
  });
  afterAll(async () => h?.close());

  it("serves loopback clients the Prometheus text format, with the per-pipeline histogram after a call", async () => {
    const ok = await fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ flower: { a: 3, b: 2 } }) });
    expect(ok.status).toBe(200);
    const bad = await fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ flower: { a: 3 } }) });
    expect(bad.status).toBe(422);

    const res = await fetch(`${h.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    const all = parsePrometheusTextFormat(text);

    const run = family(all, "inferline_invocation_duration_seconds");
    expect(run.type).toBe("HISTOGRAM");
    expect(Object.keys(run.metrics[0]?.buckets ?? {})).toContain("+Inf");
    // The parser folds the series of a labelled histogram into one (a limitation of parse-prometheus-text-format
    // 1.1.1), so the per-pipeline series are read from their _count/_sum samples.
    const sample = (line: RegExp) => Number(text.split("\n").find((l) => line.test(l))?.split(" ").at(-1));
    expect(sample(/^inferline_invocation_duration_seconds_count\{pipeline="toy",version="1"\} /)).toBe(2);
    expect(sample(/^inferline_invocation_duration_seconds_sum\{pipeline="toy",version="1"\} /)).toBeGreaterThan(0);
    expect(sample(/^inferline_invocation_duration_seconds_bucket\{le="\+Inf",pipeline="toy",version="1"\} /)).toBe(2);
    expect(family(all, "inferline_node_duration_seconds").type).toBe("HISTOGRAM");
    // Both calls ran `features` (the second failed there); only the first went on.
    for (const [node, n] of [["features", 2], ["scale", 1], ["softmax", 1], ["topk", 1]]) {
      expect(text).toMatch(new RegExp(`^inferline_node_duration_seconds_count\\{pipeline="toy",node="${node}",type="[^"]+"\\} ${n}$`, "m"));
    }
    const counts = family(all, "inferline_invocations_total").metrics.map((m) => [m.labels?.pipeline, m.labels?.source, m.labels?.status, m.value]);
    expect(counts).toEqual(expect.arrayContaining([["toy", "rest", "ok", "1"], ["toy", "rest", "error", "1"]]));

    expect(family(all, "inferline_serving_queue_depth").metrics[0]?.value).toBe("0");
    expect(family(all, "inferline_inference_queue_depth").metrics[0]?.value).toBe("3");
    expect(family(all, "inferline_inference_worker_restarts_total").metrics[0]?.value).toBe("2");
    expect(family(all, "inferline_model_session_loads_total").metrics[0]?.value).toBe("1");
    expect(family(all, "inferline_inference_workers_ready").metrics[0]?.value).toBe("1");
    expect(family(all, "process_cpu_user_seconds_total").type).toBe("COUNTER"); // default process metrics
  });

  it("is only for loopback clients when no token is set", () => {
    expect(["127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1"].every(isLoopback)).toBe(true);
    expect(["10.0.0.1", "192.168.1.2", "::ffff:10.0.0.1", "fe80::1", undefined].some(isLoopback)).toBe(false);
  });
});

describe("GET /metrics with METRICS_TOKEN", () => {
  let h: TServingHarness;
  beforeAll(async () => {
    h = await startServingHarness({ metrics: { metrics: createMetrics(), token: TOKEN } });
  });
  afterAll(async () => h?.close());

  it("requires the bearer token", async () => {
    const none = await fetch(`${h.base}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await fetch(`${h.base}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const ok = await fetch(`${h.base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(parsePrometheusTextFormat(await ok.text()).length).toBeGreaterThan(5);
    expect((await fetch(`${h.base}/metrics`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
  });
});
