import { Readable } from "node:stream";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import type { TActor } from "@/server/services/context.ts";
import { batchResults } from "@/server/services/batches/batch-results.ts";
import { startBatchRunner, type TBatchRunner } from "@/server/services/batches/batch-runner.ts";
import { getBatch, listBatchRows } from "@/server/services/batches/get-batch.ts";
import { ingestDataset, type TIngestLimits } from "@/server/services/batches/ingest-dataset.ts";
import { BatchQueue } from "@/server/services/batches/job-queue.ts";
import { runChunk, Semaphore } from "@/server/services/batches/run-chunk.ts";
import { cancelBatch, retryBatch, startBatch } from "@/server/services/batches/start-batch.ts";
import { RunnableResolver } from "@/server/services/runs/runnable-resolver.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { TestClient } from "../helpers/clients.ts";
import { testEngine } from "../helpers/engine.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";

async function collect(it: AsyncIterable<string>): Promise<string> {
  let s = "";
  for await (const x of it) s += x;
  return s;
}

async function waitFor<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(BACKENDS)("batch jobs ($name)", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let url: string | undefined;
  let queue: BatchQueue;
  let runner: TBatchRunner;
  let actor: TActor;
  let pipelineId: string;
  let dir: string;
  let limits: TIngestLimits;
  const engine = testEngine();

  beforeAll(async () => {
    ({ db, url, dispose } = await backend.open());
    dir = await mkdtemp(path.join(tmpdir(), "inferline-batch-"));
    limits = { maxBytes: 10 * 1024 * 1024, maxRows: 100_000, maxEntryBytes: 1024 * 1024, tmpDir: dir };
    const admin = new TestClient(db.prisma, engine);
    await (await admin.api()).auth.setup({ email: "admin@example.com", name: "Admin", password: "password-admin" });
    const api = await admin.api();
    actor = await db.prisma.user.findUniqueOrThrow({ where: { email: "admin@example.com" }, select: { id: true, email: true, name: true, role: true } });
    await api.pipelines.create({ slug: "toy", name: "Toy" });
    const d = await api.drafts.get({ slug: "toy" });
    await api.drafts.save({ slug: "toy", graph: toyClassifierGraph(), layout: {}, baseRevision: d.revision });
    await api.versions.commit({ slug: "toy", message: "v1" });
    await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
    pipelineId = (await db.prisma.pipeline.findUniqueOrThrow({ where: { slug: "toy" } })).id;
    queue = await BatchQueue.start(db, { url });
  });
  afterAll(async () => {
    await runner?.stop();
    await queue?.close();
    await dispose?.();
    await rm(dir, { recursive: true, force: true });
  });

  const csv = (rows: number, bad: number[] = []) => {
    let s = "a,b\n";
    for (let i = 0; i < rows; i++) s += bad.includes(i) ? `x${i},1\n` : `${i % 7},${i % 3}\n`;
    return s;
  };
  const upload = (text: string, format: "csv" | "jsonl" = "csv") => ingestDataset(db.prisma, { pipelineId, format, name: `data.${format}`, body: Readable.from([Buffer.from(text)]) }, limits);

  it("runs a CSV batch to the end: a row per input row, each with one batch invocation", async () => {
    const ds = await upload(csv(600, [5, 300]));
    expect(ds).toMatchObject({ format: "csv", columns: ["a", "b"], rowCount: 600 });
    expect(await db.prisma.datasetChunk.count({ where: { datasetId: ds.id } })).toBe(3);
    const b = await startBatch({ db: db.prisma, queue }, { slug: "toy", target: { alias: "production" }, datasetId: ds.id, actor });
    expect(b).toMatchObject({ status: "queued", total: 600, version: 1, alias: "production", mapping: { flower: { fields: { a: { column: "a" }, b: { column: "b" } } } } });
    runner = await startBatchRunner({ db, queue, engine }, { concurrency: 8, instance: null, pollingIntervalSeconds: 0.5 });
    const done = await waitFor(() => getBatch(db.prisma, actor, "toy", b.id), (v) => v.status !== "queued" && v.status !== "running");
    expect(done).toMatchObject({ status: "failed", done: 598, failed: 2, pending: 0, progress: 1 });
    const rows = await db.prisma.batchRow.findMany({ where: { batchId: b.id }, orderBy: { rowIndex: "asc" } });
    expect(rows.map((r) => r.rowIndex)).toEqual([...Array(600).keys()]);
    const invocations = await db.prisma.invocation.findMany({ where: { source: "batch" }, select: { id: true, status: true } });
    expect(invocations).toHaveLength(600);
    expect(new Set(rows.map((r) => r.invocationId))).toEqual(new Set(invocations.map((i) => i.id)));
    expect(rows[5]).toMatchObject({ status: "error", errorCode: "NODE_FAILED", errorNode: "features" });

    const jsonl = (await collect(batchResults(db.prisma, actor, "toy", b.id, "jsonl"))).trim().split("\n").map((l) => JSON.parse(l));
    expect(jsonl).toHaveLength(600);
    expect(jsonl[0]).toMatchObject({ row: 0, status: "ok", outputs: { label: expect.any(String) }, invocation_id: rows[0]!.invocationId });
    expect(jsonl[5]).toMatchObject({ row: 5, status: "error", error: { code: "NODE_FAILED", node: "features" } });
    const csvOut = (await collect(batchResults(db.prisma, actor, "toy", b.id, "csv"))).split("\r\n");
    expect(csvOut[0]).toBe("row,status,label,scores,error_code,error_message,error_node,error_field,invocation_id");
    expect(csvOut).toHaveLength(602); // header, 600 rows, trailing empty
    expect(csvOut[1]!.startsWith("0,ok,")).toBe(true);

    // Running a chunk again (a retried job after a crash) writes and counts nothing twice.
    const deps = { db: db.prisma, engine, resolver: new RunnableResolver(db.prisma), rows: new Semaphore(4), running: new Set<string>() };
    await db.prisma.batch.update({ where: { id: b.id }, data: { status: "running" } });
    await db.prisma.batchRow.deleteMany({ where: { batchId: b.id, rowIndex: { in: [1, 2] } } });
    await db.prisma.batch.update({ where: { id: b.id }, data: { done: { decrement: 2 } } });
    await runChunk(deps, { batchId: b.id, chunkIndex: 0, attempt: 1 });
    expect(await getBatch(db.prisma, actor, "toy", b.id)).toMatchObject({ status: "failed", done: 598, failed: 2 });
    expect(await db.prisma.batchRow.count({ where: { batchId: b.id } })).toBe(600);
    expect(await db.prisma.invocation.count({ where: { source: "batch" } })).toBe(600); // rows 1, 2 upserted the same invocations

    // Retry the failed rows: a new attempt, failed rows only, counted once.
    const again = await retryBatch({ db: db.prisma, queue }, actor, "toy", b.id);
    expect(again).toMatchObject({ status: "queued", attempt: 2, done: 598, failed: 0 });
    const after = await waitFor(() => getBatch(db.prisma, actor, "toy", b.id), (v) => v.status !== "queued" && v.status !== "running");
    expect(after).toMatchObject({ status: "failed", done: 598, failed: 2 });
    expect(await db.prisma.invocation.count({ where: { source: "batch" } })).toBe(602);
    const page = await listBatchRows(db.prisma, actor, "toy", b.id, { status: "error", limit: 10 });
    expect(page.rows.map((r) => [r.rowIndex, r.attempt])).toEqual([[5, 2], [300, 2]]);
  }, 60_000);

  it("cancels a batch: no row starts after, the rest are reported cancelled; retry runs them", async () => {
    await runner.stop();
    const ds = await upload(csv(300));
    const b = await startBatch({ db: db.prisma, queue }, { slug: "toy", target: { version: 1 }, datasetId: ds.id, actor });
    const c = await cancelBatch({ db: db.prisma, queue }, actor, "toy", b.id);
    expect(c.status).toBe("cancelled");
    await expect(cancelBatch({ db: db.prisma, queue }, actor, "toy", b.id)).rejects.toMatchObject({ code: "BATCH_CONFLICT" });
    runner = await startBatchRunner({ db, queue, engine }, { concurrency: 8, instance: null, pollingIntervalSeconds: 0.5 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await db.prisma.batchRow.count({ where: { batchId: b.id } })).toBe(0);
    const lines = (await collect(batchResults(db.prisma, actor, "toy", b.id, "jsonl"))).trim().split("\n");
    expect(lines).toHaveLength(300);
    expect(JSON.parse(lines[0]!)).toEqual({ row: 0, status: "cancelled" });
    await retryBatch({ db: db.prisma, queue }, actor, "toy", b.id);
    expect(await waitFor(() => getBatch(db.prisma, actor, "toy", b.id), (v) => v.status === "succeeded")).toMatchObject({ done: 300, failed: 0, attempt: 2 });
  }, 60_000);

  it("refuses bad datasets and mappings with coded errors", async () => {
    await expect(upload("a,b\n1,2,3\n")).rejects.toMatchObject({ code: "DATASET_INVALID", details: { line: 2 } });
    await expect(upload("a,a\n1,2\n")).rejects.toMatchObject({ code: "DATASET_INVALID" });
    await expect(upload("a,b\n")).rejects.toMatchObject({ code: "DATASET_INVALID" });
    await expect(upload('{"flower": {"a": 1}}\nnot json\n', "jsonl")).rejects.toMatchObject({ code: "DATASET_INVALID", details: { line: 2 } });
    await expect(upload("[1,2]\n", "jsonl")).rejects.toMatchObject({ code: "DATASET_INVALID", details: { line: 1 } });
    await expect(ingestDataset(db.prisma, { pipelineId, format: "csv", name: "big.csv", body: Readable.from([Buffer.from(csv(20_000))]) }, { ...limits, maxBytes: 10_000 })).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(await db.prisma.dataset.count({ where: { readyAt: null } })).toBe(0); // refused uploads leave nothing

    const ds = await upload('{"flower": {"a": 1, "b": 2}}\n{"flower": {"a": 3, "b": 4}}\n', "jsonl");
    expect(ds.columns).toEqual(["flower"]);
    const start = (mapping: unknown) => startBatch({ db: db.prisma, queue }, { slug: "toy", target: { version: 1 }, datasetId: ds.id, mapping: mapping as never, actor });
    await expect(start({ nope: "flower" })).rejects.toMatchObject({ code: "MAPPING_INVALID", details: { input: "nope" } });
    await expect(start({ flower: { file: true } })).rejects.toMatchObject({ code: "MAPPING_INVALID" });
    await expect(start({})).rejects.toMatchObject({ code: "MAPPING_INVALID", details: { inputs: ["flower"] } });
    const csvDs = await upload(csv(3));
    await expect(startBatch({ db: db.prisma, queue }, { slug: "toy", target: { version: 1 }, datasetId: csvDs.id, mapping: { flower: { fields: { a: "a", b: "zzz" } } } as never, actor })).rejects.toMatchObject({ code: "MAPPING_INVALID", details: { column: "zzz" } });
    await expect(startBatch({ db: db.prisma, queue }, { slug: "toy", target: { alias: "staging" }, datasetId: csvDs.id, actor })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const b = await start(null);
    expect(await waitFor(() => getBatch(db.prisma, actor, "toy", b.id), (v) => v.status === "succeeded")).toMatchObject({ done: 2 });
  }, 60_000);
});
