import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { deleteExpiredInvocations, startInvocationRetention } from "@/server/services/invocations/retention.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";

const DAY = 86_400_000;

const rows = (pipelineId: string, n: number, at: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => ({ id: randomUUID(), pipelineId, source: "rest" as const, status: "ok" as const, startedAt: new Date(at(i)), durationMs: 1, inputs: { i }, trace: [] }));

describe.each(BACKENDS)("invocation retention on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  const pipelineId = randomUUID();
  const now = Date.now();

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
  });
  afterAll(async () => dispose?.());

  it("deletes only rows older than the cutoff, in batches", async () => {
    await db.prisma.invocation.createMany({ data: [...rows(pipelineId, 25, (i) => now - 31 * DAY - i * 1000), ...rows(pipelineId, 10, (i) => now - 29 * DAY + i * 1000)] });
    const deleted = await deleteExpiredInvocations(db.prisma, { before: new Date(now - 30 * DAY), batchSize: 7, pauseMs: 1 });
    expect(deleted).toBe(25);
    const left = await db.prisma.invocation.findMany({ select: { startedAt: true } });
    expect(left).toHaveLength(10);
    expect(left.every((r) => r.startedAt.getTime() > now - 30 * DAY)).toBe(true);
  });

  it("runs as a background job with the configured days, and stops", async () => {
    await db.prisma.invocation.createMany({ data: rows(pipelineId, 5, (i) => now - 40 * DAY - i) });
    const job = startInvocationRetention(db.prisma, { days: 35, batchSize: 2, pauseMs: 1, firstDelayMs: 60_000 });
    expect(await job.sweep()).toBe(5);
    expect(await db.prisma.invocation.count()).toBe(10);
    await job.stop();
  });
});

describe("retention never stalls serving (PGlite: one connection)", () => {
  let h: TServingHarness;
  beforeAll(async () => {
    h = await startServingHarness();
  });
  afterAll(async () => h?.close());

  it("REST calls are answered while a large sweep is in progress", async () => {
    const api = await h.admin.api();
    await api.pipelines.create({ slug: "toy", name: "Toy" });
    await api.drafts.save({ slug: "toy", graph: toyClassifierGraph(), layout: {}, baseRevision: 1 });
    await api.versions.commit({ slug: "toy", message: "v1" });
    await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
    const { key } = await api.apiKeys.create({ name: "k", pipelines: [] });
    const pid = (await h.db.prisma.pipeline.findUniqueOrThrow({ where: { slug: "toy" } })).id;
    for (let i = 0; i < 4; i++) await h.db.prisma.invocation.createMany({ data: rows(pid, 2500, (j) => Date.now() - 60 * DAY - i * 10_000 - j) });

    let sweepDone = 0;
    const sweep = deleteExpiredInvocations(h.db.prisma, { before: new Date(Date.now() - 30 * DAY), batchSize: 500, pauseMs: 20 }).then((n) => {
      sweepDone = performance.now();
      return n;
    });
    const answered: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ flower: { a: 1, b: 2 } }) });
      expect(res.status).toBe(200);
      answered.push(performance.now());
    }
    expect(await sweep).toBe(10_000);
    // Every call got its answer while the sweep was still deleting (between its batches).
    expect(answered.every((t) => t < sweepDone)).toBe(true);
    expect(await h.db.prisma.invocation.count({ where: { source: "rest" } })).toBe(5);
  });
});
