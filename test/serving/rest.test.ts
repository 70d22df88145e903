import { gzipSync } from "node:zlib";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";

describe("REST endpoints of published pipelines", () => {
  let h: TServingHarness;
  let key: string;
  let scopedKey: string;

  beforeAll(async () => {
    h = await startServingHarness();
    const api = await h.admin.api();
    for (const slug of ["toy", "other"]) {
      await api.pipelines.create({ slug, name: slug === "toy" ? "Toy classifier" : "Other" });
      const d = await api.drafts.get({ slug });
      await api.drafts.save({ slug, graph: toyClassifierGraph(), layout: {}, baseRevision: d.revision });
      await api.versions.commit({ slug, message: "v1" });
    }
    await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
    key = (await api.apiKeys.create({ name: "all pipelines", pipelines: [] })).key;
    scopedKey = (await api.apiKeys.create({ name: "only other", pipelines: ["other"] })).key;
  });
  afterAll(async () => h?.close());

  const invoke = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${h.base}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

  it("runs the production alias, an alias and a version, logging each call", async () => {
    const res = await invoke("/api/v1/pipelines/toy/invoke", { flower: { a: 3, b: 2 } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ pipeline: "toy", version: 1, outputs: { label: "left", scores: { dtype: "float32", shape: [1, 2] } } });
    const row = await h.db.prisma.invocation.findUniqueOrThrow({ where: { id: body.invocation_id } });
    expect(row).toMatchObject({ source: "rest", status: "ok", versionNumber: 1, alias: "production" });
    expect(row.outputs).toEqual(body.outputs);

    expect((await invoke("/api/v1/pipelines/toy@production/invoke", { flower: { a: 0, b: 9 } })).status).toBe(200);
    const v = await (await invoke("/api/v1/pipelines/other/versions/1/invoke?trace=1", { flower: { a: 0, b: 9 } }, { "x-api-key": key, authorization: "" })).json();
    expect(v.outputs.label).toBe("right");
    expect(v.trace.map((t: { node: string }) => t.node)).toEqual(expect.arrayContaining(["features", "scale", "softmax", "topk"]));
  });

  it("answers input errors with 400 problem+json naming the field, and logs them", async () => {
    const res = await invoke("/api/v1/pipelines/toy/invoke", { flower: { a: 3 } });
    expect(res.status).toBe(422);
    const p = await res.json();
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(p).toMatchObject({ status: 422, code: "NODE_FAILED", node: "features", port: "record" });
    expect(await h.db.prisma.invocation.findUniqueOrThrow({ where: { id: p.invocation_id } })).toMatchObject({ status: "error", errorNode: "features" });

    const missing = await invoke("/api/v1/pipelines/toy/invoke", {});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: "INVALID_INPUT", field: "flower" });
    const unknown = await invoke("/api/v1/pipelines/toy/invoke", { flower: {}, extra: 1 });
    expect((await unknown.json()).detail).toContain("extra");
    expect((await invoke("/api/v1/pipelines/toy/invoke", "{not json")).status).toBe(400);
    expect((await invoke("/api/v1/pipelines/toy/invoke", [1, 2])).status).toBe(400);
  });

  it("refuses without a valid key, out of scope, in the URL, revoked, expired", async () => {
    const noKey = await fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(noKey.status).toBe(401);
    expect((await noKey.json()).code).toBe("UNAUTHENTICATED");
    expect((await invoke("/api/v1/pipelines/toy/invoke", {}, { authorization: "Bearer il_0000000000_" + "x".repeat(43) })).status).toBe(401);
    expect((await invoke("/api/v1/pipelines/toy/invoke", {}, { authorization: "Bearer nonsense" })).status).toBe(401);
    expect((await invoke("/api/v1/pipelines/toy/invoke", { flower: { a: 1, b: 1 } }, { authorization: `Bearer ${scopedKey}` })).status).toBe(403);
    expect((await invoke("/api/v1/pipelines/other/versions/1/invoke", { flower: { a: 1, b: 1 } }, { authorization: `Bearer ${scopedKey}` })).status).toBe(200);
    const inUrl = await fetch(`${h.base}/api/v1/pipelines/toy/invoke?api_key=${key}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(inUrl.status).toBe(401);
    expect((await inUrl.json()).detail).toContain("not accepted in the URL");

    const api = await h.admin.api();
    const temp = await api.apiKeys.create({ name: "temp", pipelines: [] });
    const withTemp = () => invoke("/api/v1/pipelines/toy/invoke", { flower: { a: 1, b: 1 } }, { authorization: `Bearer ${temp.key}` });
    expect((await withTemp()).status).toBe(200);
    await api.apiKeys.revoke({ id: temp.id });
    const revoked = await withTemp();
    expect(revoked.status).toBe(401);
    expect((await revoked.json()).detail).toContain("revoked");

    const expiring = await api.apiKeys.create({ name: "soon", pipelines: [], expiresAt: new Date(Date.now() + 60_000) });
    await h.db.prisma.apiKey.update({ where: { id: expiring.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    h.serving.keys.invalidate();
    const expired = await invoke("/api/v1/pipelines/toy/invoke", { flower: { a: 1, b: 1 } }, { authorization: `Bearer ${expiring.key}` });
    expect((await expired.json()).detail).toContain("expired");
  });

  it("rotates a key with an overlap: both work until the old one expires", async () => {
    const api = await h.admin.api();
    const old = await api.apiKeys.create({ name: "rotating", pipelines: ["toy"] });
    const rotated = await api.apiKeys.rotate({ id: old.id, overlapMinutes: 30 });
    expect(rotated.key).not.toBe(old.key);
    expect(rotated.pipelines).toEqual(["toy"]);
    for (const k of [old.key, rotated.key]) expect((await invoke("/api/v1/pipelines/toy/invoke", { flower: { a: 1, b: 1 } }, { authorization: `Bearer ${k}` })).status).toBe(200);
    await api.apiKeys.rotate({ id: rotated.id, overlapMinutes: 0 });
    expect((await invoke("/api/v1/pipelines/toy/invoke", { flower: { a: 1, b: 1 } }, { authorization: `Bearer ${rotated.key}` })).status).toBe(401);
    // Only a hash is stored, and listing never returns the secret.
    const listed = await api.apiKeys.list();
    expect(JSON.stringify(listed)).not.toContain(rotated.key.split("_")[2]);
    expect(await h.db.prisma.apiKey.count({ where: { secretHash: rotated.key } })).toBe(0);
  });

  it("enforces body limits while streaming and after decompression; 415 for other types", async () => {
    const big = JSON.stringify({ flower: { a: 1, b: 1, pad: "x".repeat(2 * 1024 * 1024) } });
    expect((await invoke("/api/v1/pipelines/toy/invoke", big)).status).toBe(413);
    const bomb = gzipSync(Buffer.from(JSON.stringify({ flower: { a: 1, b: 1, pad: "0".repeat(5 * 1024 * 1024) } })));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res = await fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip", authorization: `Bearer ${key}` }, body: bomb });
    expect(res.status).toBe(413);
    const small = gzipSync(Buffer.from(JSON.stringify({ flower: { a: 3, b: 2 } })));
    const ok = await fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip", authorization: `Bearer ${key}` }, body: small });
    expect(ok.status).toBe(200);
    expect((await invoke("/api/v1/pipelines/toy/invoke", "a=1", { "content-type": "text/plain" })).status).toBe(415);
    const form = new FormData();
    form.set("flower", JSON.stringify({ a: 3, b: 2 }));
    const multipart = await fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: form });
    expect((await multipart.json()).outputs.label).toBe("left");
  });

  it("answers 404 for unknown pipelines, aliases and versions, 405 for wrong methods", async () => {
    expect((await invoke("/api/v1/pipelines/nope/invoke", {})).status).toBe(404);
    expect((await invoke("/api/v1/pipelines/toy@staging/invoke", {})).status).toBe(404);
    expect((await invoke("/api/v1/pipelines/toy/versions/9/invoke", {})).status).toBe(404);
    const get = await fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { headers: { authorization: `Bearer ${key}` } });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("rate-limits a key with 429 and Retry-After", async () => {
    const api = await h.admin.api();
    const limited = await api.apiKeys.create({ name: "limited", pipelines: [], rateLimitPerMinute: 2 });
    const call = () => invoke("/api/v1/pipelines/toy/invoke", { flower: { a: 1, b: 1 } }, { authorization: `Bearer ${limited.key}` });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const third = await call();
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("publishes a valid OpenAPI 3.1 document per pipeline, per version and combined", async () => {
    const validator = new Validator();
    for (const path of ["/api/v1/pipelines/toy/openapi.json", "/api/v1/pipelines/other/versions/1/openapi.json", "/api/v1/openapi.json"]) {
      const res = await fetch(`${h.base}${path}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      const doc = await res.json();
      const result = await validator.validate(doc);
      expect(result.errors ?? [], path).toEqual([]);
      expect(result.valid).toBe(true);
      expect(doc.openapi).toBe("3.1.0");
    }
    const doc = await (await fetch(`${h.base}/api/v1/pipelines/toy/openapi.json`, { headers: { authorization: `Bearer ${key}` } })).json();
    const op = doc.paths["/api/v1/pipelines/toy/invoke"].post;
    expect(op.requestBody.content["application/json"].schema.required).toEqual(["flower"]);
    expect(Object.keys(op.responses["200"].content["application/json"].schema.properties.outputs.properties)).toEqual(["label", "scores"]);
    expect((await fetch(`${h.base}/api/v1/pipelines/toy/openapi.json`)).status).toBe(401);
  });
});
