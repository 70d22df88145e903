import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/server/db/client.ts";
import { freshPostgresDatabase, type TFreshPostgres } from "../helpers/databases.ts";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { expectAppError, TestClient } from "../helpers/clients.ts";
import { makeZip } from "../helpers/zip.ts";

/** Batch jobs over REST, as curl would call them, and the app's upload + tRPC procedures. */
describe.each(["pglite", "postgres"] as const)("batch REST endpoints (%s)", (kind) => {
  let h: TServingHarness;
  let key: string;
  let scopedKey: string;
  let dir: string;
  let pg: TFreshPostgres | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "inferline-batch-rest-"));
    pg = kind === "postgres" ? await freshPostgresDatabase() : undefined;
    const db = pg ? await openDatabase({ kind: "postgres", url: pg.url }) : undefined;
    h = await startServingHarness({ ...(db ? { db } : {}), batches: { url: pg?.url, dataDir: dir } });
    const api = await h.admin.api();
    for (const slug of ["toy", "other"]) {
      await api.pipelines.create({ slug, name: slug });
      const d = await api.drafts.get({ slug });
      await api.drafts.save({ slug, graph: toyClassifierGraph(), layout: {}, baseRevision: d.revision });
      await api.versions.commit({ slug, message: "v1" });
    }
    await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
    key = (await api.apiKeys.create({ name: "all", pipelines: [] })).key;
    scopedKey = (await api.apiKeys.create({ name: "other only", pipelines: ["other"] })).key;
  });
  afterAll(async () => {
    await h?.close();
    if (pg) {
      await h?.db.close();
      await pg.drop();
    }
    await rm(dir, { recursive: true, force: true });
  });

  const call = (p: string, init: RequestInit & { key?: string } = {}) => fetch(`${h.base}${p}`, { ...init, headers: { authorization: `Bearer ${init.key ?? key}`, ...(init.headers as Record<string, string>) } });
  const finished = async (id: string) => {
    for (let i = 0; i < 200; i++) {
      const b = await (await call(`/api/v1/pipelines/toy/batches/${id}`)).json();
      if (b.status !== "queued" && b.status !== "running") return b;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("batch did not finish");
  };

  it("CSV body with a mapping → 202, progress, results as JSONL and CSV", async () => {
    let csv = "sepal,petal,extra\n";
    for (let i = 0; i < 50; i++) csv += `${i % 5},${i % 3},x\n`;
    csv += "oops,1,x\n";
    const mapping = encodeURIComponent(JSON.stringify({ flower: { fields: { a: "sepal", b: "petal" } } }));
    const res = await call(`/api/v1/pipelines/toy/batches?mapping=${mapping}`, { method: "POST", headers: { "content-type": "text/csv", "content-encoding": "gzip" }, body: new Uint8Array(gzipSync(csv)) });
    expect(res.status).toBe(202);
    const created = await res.json();
    expect(res.headers.get("location")).toBe(`/api/v1/pipelines/toy/batches/${created.id}`);
    expect(created).toMatchObject({ pipeline: "toy", version: 1, alias: "production", total: 51, dataset: { format: "csv" } });
    const b = await finished(created.id);
    expect(b).toMatchObject({ status: "failed", done: 50, failed: 1, pending: 0 });

    const jsonl = await call(`/api/v1/pipelines/toy/batches/${created.id}/results?format=jsonl`);
    expect(jsonl.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await jsonl.text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.row)).toEqual([...Array(51).keys()]);
    expect(lines[50]).toMatchObject({ status: "error", error: { code: "NODE_FAILED" }, invocation_id: expect.any(String) });
    const inv = await h.db.prisma.invocation.findUniqueOrThrow({ where: { id: lines[0].invocation_id } });
    expect(inv).toMatchObject({ source: "batch", status: "ok", versionNumber: 1 });
    const csvRes = await call(`/api/v1/pipelines/toy/batches/${created.id}/results?format=csv`);
    expect(csvRes.headers.get("content-disposition")).toContain(`batch-${created.id}.csv`);
    expect((await csvRes.text()).split("\r\n")[0]).toBe("row,status,label,scores,error_code,error_message,error_node,error_field,invocation_id");

    const retried = await call(`/api/v1/pipelines/toy/batches/${created.id}/retry`, { method: "POST" });
    expect(retried.status).toBe(200);
    expect(await finished(created.id)).toMatchObject({ status: "failed", attempt: 2, done: 50, failed: 1 });
    const conflict = await call(`/api/v1/pipelines/toy/batches/${created.id}/cancel`, { method: "POST" });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ code: "BATCH_CONFLICT" });
    const list = await (await call(`/api/v1/pipelines/toy/batches`)).json();
    expect(list.batches.map((x: { id: string }) => x.id)).toContain(created.id);
  });

  it("multipart JSONL upload on a version; zip of files for a single file input", async () => {
    const form = new FormData();
    form.set("mapping", JSON.stringify({ flower: "record" }));
    form.set("file", new Blob(['{"record": {"a": 1, "b": 2}}\n{"record": {"a": 5, "b": 0}}\n']), "rows.jsonl");
    const res = await call(`/api/v1/pipelines/toy/versions/1/batches`, { method: "POST", body: form });
    expect(res.status).toBe(202);
    const b = await finished((await res.json()).id);
    expect(b).toMatchObject({ status: "succeeded", done: 2, alias: null, version: 1 });

    // A zip for a pipeline whose one input is json: each row gets the entry's bytes; the toy graph refuses bytes → row errors, but rows exist.
    const zip = await makeZip({ "a.png": Buffer.from("not a png"), "dir/": null, ".hidden": Buffer.from("x"), "b.txt": Buffer.from("two") });
    const zres = await call(`/api/v1/pipelines/toy/batches`, { method: "POST", headers: { "content-type": "application/zip" }, body: new Uint8Array(zip) });
    expect(zres.status).toBe(202);
    const zb = await finished((await zres.json()).id);
    expect(zb).toMatchObject({ total: 2, done: 0, failed: 2 });
    const lines = (await (await call(`/api/v1/pipelines/toy/batches/${zb.id}/results`)).text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual(["a.png", "b.txt"]);
  });

  it("problem+json for bad requests: key, scope, format, dataset, mapping, size", async () => {
    const post = (body: BodyInit, headers: Record<string, string>, p = "/api/v1/pipelines/toy/batches", k?: string) => call(p, { method: "POST", headers, body, ...(k ? { key: k } : {}) });
    expect((await fetch(`${h.base}/api/v1/pipelines/toy/batches`, { method: "POST", body: "a\n1\n", headers: { "content-type": "text/csv" } })).status).toBe(401);
    expect((await post("a\n1\n", { "content-type": "text/csv" }, undefined, scopedKey)).status).toBe(403);
    const typ = await post("x", { "content-type": "text/plain" });
    expect(typ.status).toBe(415);
    const bad = await post("a,b\n1,2,3\n", { "content-type": "text/csv" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "DATASET_INVALID", details: { line: 2 } });
    const before = await h.db.prisma.dataset.count();
    const map = await post("x,y\n1,2\n", { "content-type": "text/csv" }, `/api/v1/pipelines/toy/batches?mapping=${encodeURIComponent('{"flower": {"fields": {"a": "x", "b": "z"}}}')}`);
    expect(map.status).toBe(400);
    expect(await map.json()).toMatchObject({ code: "MAPPING_INVALID", details: { column: "z" } });
    expect(await h.db.prisma.dataset.count()).toBe(before); // the refused batch's dataset is not kept
    const big = await post(`a,b\n${"1,2\n".repeat(3 * 1024 * 1024)}`, { "content-type": "text/csv" });
    expect(big.status).toBe(413);
    expect((await call(`/api/v1/pipelines/toy/batches/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await call(`/api/v1/pipelines/toy/batches/nope`)).status).toBe(404);
    expect(await h.db.prisma.dataset.count({ where: { readyAt: null } })).toBe(0);
  });

  it("the app: upload on /api/datasets with a session, then tRPC dataset → create → get → rows; viewers read only", async () => {
    const cookie = h.admin.cookie!;
    const up = await fetch(`${h.base}/api/datasets?slug=toy&format=csv&name=flowers.csv`, { method: "POST", headers: { cookie, "content-type": "application/octet-stream" }, body: "a,b\n1,2\n3,4\n5,6\n" });
    expect(up.status).toBe(201);
    const ds = await up.json();
    expect(ds).toMatchObject({ format: "csv", name: "flowers.csv", columns: ["a", "b"], rowCount: 3 });
    expect((await fetch(`${h.base}/api/datasets?slug=toy&format=csv`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: "a\n1\n" })).status).toBe(401);
    const api = await h.admin.api();
    const view = await api.batches.dataset({ slug: "toy", id: ds.id, target: { alias: "production" } });
    expect(view).toMatchObject({ preview: [{ a: "1", b: "2" }, { a: "3", b: "4" }, { a: "5", b: "6" }], suggestedMapping: { flower: { fields: { a: { column: "a" }, b: { column: "b" } } } } });
    const b = await api.batches.create({ slug: "toy", target: { alias: "production" }, datasetId: ds.id });
    for (let i = 0; i < 100 && (await api.batches.get({ slug: "toy", id: b.id })).status !== "succeeded"; i++) await new Promise((r) => setTimeout(r, 100));
    const got = await api.batches.get({ slug: "toy", id: b.id });
    expect(got).toMatchObject({ status: "succeeded", done: 3, etaSeconds: null });
    const rows = await api.batches.rows({ slug: "toy", id: b.id, limit: 2 });
    expect(rows.rows.map((r) => r.rowIndex)).toEqual([0, 1]);
    expect(rows.next).toBe(1);
    expect((await api.batches.list({ slug: "toy" })).batches[0]!.id).toBe(b.id);

    await api.users.create({ email: "viewer@example.com", name: "Viewer", password: "password-viewer", role: "viewer" });
    const viewer = new TestClient(h.db.prisma, undefined, undefined, h.batches!.queue);
    await (await viewer.api()).auth.signIn({ email: "viewer@example.com", password: "password-viewer" });
    const v = await viewer.api();
    expect((await v.batches.get({ slug: "toy", id: b.id })).status).toBe("succeeded");
    await expectAppError(v.batches.retry({ slug: "toy", id: b.id }), "FORBIDDEN");
    await expectAppError(v.batches.create({ slug: "toy", target: { version: 1 }, datasetId: ds.id }), "FORBIDDEN");
  });
});
