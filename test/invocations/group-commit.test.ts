import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { InvocationWriter } from "@/server/services/invocations/invocation-writer.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { testEngine } from "../helpers/engine.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";

describe.each(BACKENDS)("invocation log group commit on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let h: TServingHarness;
  let writer: InvocationWriter;
  let key: string;
  let pipelineId: string;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    // runningAfterMs out of reach: on a loaded machine no run here may get a `running` row (counted as a write).
    writer = new InvocationWriter(db.prisma, { maxDelayMs: 20, runningAfterMs: 3_600_000 });
    h = await startServingHarness({ db, engine: testEngine(undefined, { invocations: writer }), limits: { maxConcurrentRuns: 64, maxQueued: 1000 } });
    const api = await h.admin.api();
    await api.pipelines.create({ slug: "toy", name: "Toy" });
    await api.drafts.save({ slug: "toy", graph: toyClassifierGraph(), layout: {}, baseRevision: 1 });
    await api.versions.commit({ slug: "toy", message: "v1" });
    await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
    key = (await api.apiKeys.create({ name: "k", pipelines: [] })).key;
    pipelineId = (await db.prisma.pipeline.findUniqueOrThrow({ where: { slug: "toy" } })).id;
  });
  afterAll(async () => {
    await h?.close();
    await writer?.close();
    await dispose?.();
  });

  it("N concurrent REST calls → exactly N rows, each committed before its answer, written in batches", async () => {
    const N = 300;
    const before = writer.stats();
    const bodies = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ flower: { a: i, b: 7 } }) }).then(async (r) => {
          expect(r.status).toBe(200);
          const body = (await r.json()) as { invocation_id: string; outputs: unknown };
          // Acknowledged ⇒ committed: the row is there, complete, the moment the answer arrives.
          return body;
        }),
      ),
    );
    const ids = bodies.map((b) => b.invocation_id);
    expect(new Set(ids).size).toBe(N);
    const rows = await db.prisma.invocation.findMany({ where: { id: { in: ids } }, select: { id: true, status: true, inputs: true, outputs: true, source: true } });
    expect(rows).toHaveLength(N);
    expect(rows.every((r) => r.status === "ok" && r.source === "rest")).toBe(true);
    const byId = new Map(rows.map((r) => [r.id, r]));
    bodies.forEach((b, i) => {
      expect(byId.get(b.invocation_id)!.inputs).toEqual({ flower: { a: i, b: 7 } });
      expect(byId.get(b.invocation_id)!.outputs).toEqual(b.outputs);
    });
    expect(await db.prisma.invocation.count({ where: { pipelineId, source: "rest" } })).toBe(N);
    const after = writer.stats();
    // One write per run (the whole row, when it ends), batched: fewer statements than rows.
    expect(after.rows - before.rows).toBe(N);
    expect((after.rows - before.rows) / (after.statements - before.statements)).toBeGreaterThan(1.5);
    expect(after.failures).toBe(0);
  });

  it("the writer alone: 1000 concurrent calls, one statement per batch, every promise settles after its commit", async () => {
    const w = new InvocationWriter(db.prisma, { maxDelayMs: 5, maxBatchRows: 256, runningAfterMs: 3_600_000 });
    const row = { pipelineId, versionNumber: 1, alias: null, draftHash: null, source: "batch" as const, inputs: { x: 1 }, truncated: false, userId: null, apiKeyId: null };
    const ids = await Promise.all(Array.from({ length: 1000 }, () => w.begin({ ...row, startedAt: new Date() })));
    // Starting a run writes nothing to the database (its row is written when it ends).
    expect(await db.prisma.invocation.count({ where: { id: { in: ids } } })).toBe(0);
    expect(w.stats()).toMatchObject({ open: 1000, statements: 0 });
    await Promise.all(ids.map((id, i) => w.finish(id, { status: i % 2 ? "ok" : "error", errorCode: i % 2 ? null : "X", errorNode: null, errorMessage: null, durationMs: i, trace: [], outputs: { i }, truncated: i === 7 })));
    expect(await db.prisma.invocation.count({ where: { id: { in: ids }, status: "ok" } })).toBe(500);
    expect(await db.prisma.invocation.count({ where: { id: { in: ids }, status: "error", errorCode: "X" } })).toBe(500);
    expect(await db.prisma.invocation.findUniqueOrThrow({ where: { id: ids[7]! }, select: { inputs: true, outputs: true, truncated: true, durationMs: true } })).toEqual({ inputs: { x: 1 }, outputs: { i: 7 }, truncated: true, durationMs: 7 });
    expect(w.stats()).toMatchObject({ open: 0, rows: 1000 });
    expect(w.stats().statements).toBeLessThanOrEqual(8);
    await w.close();
    await expect(w.begin({ ...row, startedAt: new Date() })).rejects.toMatchObject({ code: "NOT_READY" });
  });

  it("a row the database refuses does not fail its batch: it is stored without its payload", async () => {
    const w = new InvocationWriter(db.prisma, { maxDelayMs: 20, runningAfterMs: 3_600_000 });
    const row = { pipelineId, versionNumber: 1, alias: null, draftHash: null, source: "batch" as const, truncated: false, userId: null, apiKeyId: null };
    const [good, nul, surrogate] = await Promise.all([
      w.begin({ ...row, startedAt: new Date(), inputs: { text: "fine" } }),
      w.begin({ ...row, startedAt: new Date(), inputs: { text: "a\u0000b", literal: "\\u0000" } }),
      w.begin({ ...row, startedAt: new Date(), inputs: { text: "lone \ud800 surrogate" } }),
    ]);
    const done = { status: "ok" as const, errorCode: null, errorNode: null, errorMessage: null, durationMs: 1, trace: [], outputs: { y: 1 }, truncated: false };
    await Promise.all([good, nul, surrogate].map((id) => w.finish(id, done)));
    const get = (id: string) => db.prisma.invocation.findUniqueOrThrow({ where: { id }, select: { inputs: true, truncated: true } });
    expect(await get(good)).toEqual({ inputs: { text: "fine" }, truncated: false });
    // jsonb has no NUL: it becomes U+FFFD (an escaped backslash followed by "u0000" is left alone).
    expect(await get(nul)).toEqual({ inputs: { text: "a\ufffdb", literal: "\\u0000" }, truncated: false });
    expect(await get(surrogate)).toEqual({ inputs: { $unloggable: "the database refused this payload" }, truncated: true });
    await w.close();
  });

  it("a long run shows as running after runningAfterMs; its outcome replaces that row", async () => {
    const w = new InvocationWriter(db.prisma, { maxDelayMs: 2, runningAfterMs: 100 });
    const row = { pipelineId, versionNumber: 1, alias: null, draftHash: null, source: "batch" as const, inputs: { long: true }, truncated: false, userId: null, apiKeyId: null };
    const [slow, fast] = await Promise.all([w.begin({ ...row, startedAt: new Date() }), w.begin({ ...row, startedAt: new Date() })]);
    await w.finish(fast, { status: "ok", errorCode: null, errorNode: null, errorMessage: null, durationMs: 1, trace: [], outputs: {}, truncated: false });
    const status = (id: string) => db.prisma.invocation.findUnique({ where: { id }, select: { status: true, inputs: true } });
    for (let i = 0; i < 100 && (await status(slow)) === null; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await status(slow)).toEqual({ status: "running", inputs: { long: true } });
    expect(await status(fast)).toEqual({ status: "ok", inputs: { long: true } });
    await w.finish(slow, { status: "error", errorCode: "E", errorNode: "n", errorMessage: "m", durationMs: 400, trace: [], outputs: null, truncated: false });
    expect(await db.prisma.invocation.findUniqueOrThrow({ where: { id: slow }, select: { status: true, errorCode: true, durationMs: true } })).toEqual({ status: "error", errorCode: "E", durationMs: 400 });
    await w.close();
  });
});
