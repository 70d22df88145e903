import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@/server/api/root.ts";
import type { Database } from "@/server/db/client.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { call, expectProblem, expectTrpcError, snapshot, startSweep, trpc, type TSweep } from "./harness.ts";

/**
 * Issue 13, item 5 (roles, keys and cross-origin writes): every tRPC procedure, enumerated from the router so a new
 * one fails here until it is listed, called by a viewer (and an editor) with an input that passes validation —
 * so the role check is what answers: 403 FORBIDDEN for editor and admin procedures, and not one row changed.
 * Every serving route with a key in the URL, an unknown, malformed, revoked, expired or out-of-scope key: 401/403
 * with a code, nothing run. Then cross-origin writes to the app API: 403 FORBIDDEN problem+json, nothing changed.
 */
type TRole = "public" | "viewer" | "editor" | "admin";
interface TIds {
  userId: string;
  keyId: string;
  sampleId: string;
  datasetId: string;
  batchId: string;
}

const NOW = Date.now();
const PROCEDURES: Record<string, { role: TRole; input?: (ids: TIds) => unknown }> = {
  "auth.setupStatus": { role: "public" },
  "auth.setup": { role: "public" },
  "auth.signIn": { role: "public" },
  "auth.signOut": { role: "public" },
  "auth.me": { role: "viewer" },
  "users.list": { role: "admin" },
  "users.create": { role: "admin", input: () => ({ email: "mallory@example.com", name: "M", password: "password-mallory", role: "admin" }) },
  "users.setRole": { role: "admin", input: (ids) => ({ userId: ids.userId, role: "admin" }) },
  "pipelines.list": { role: "viewer", input: () => ({}) },
  "pipelines.get": { role: "viewer", input: () => ({ slug: "toy" }) },
  "pipelines.create": { role: "editor", input: () => ({ slug: "made-by-viewer", name: "x" }) },
  "pipelines.rename": { role: "editor", input: () => ({ slug: "toy", name: "renamed" }) },
  "pipelines.archive": { role: "editor", input: () => ({ slug: "toy", archived: true }) },
  "pipelines.validate": { role: "viewer", input: () => ({ graph: toyClassifierGraph() }) }, // checks, writes nothing
  "pipelines.setLogPolicy": { role: "editor", input: () => ({ slug: "toy", payload: "metadata" }) },
  "pipelines.setCachePolicy": { role: "editor", input: () => ({ slug: "toy", enabled: true, ttlSeconds: 60 }) },
  "pipelines.openapi": { role: "viewer", input: () => ({ slug: "toy" }) },
  "drafts.get": { role: "viewer", input: () => ({ slug: "toy" }) },
  "drafts.save": { role: "editor", input: () => ({ slug: "toy", graph: toyClassifierGraph(), layout: {}, baseRevision: 2 }) },
  "drafts.restore": { role: "editor", input: () => ({ slug: "toy", version: 1, baseRevision: 2 }) },
  "versions.list": { role: "viewer", input: () => ({ slug: "toy" }) },
  "versions.get": { role: "viewer", input: () => ({ slug: "toy", number: 1 }) },
  "versions.commit": { role: "editor", input: () => ({ slug: "toy", message: "by a viewer" }) },
  "aliases.list": { role: "viewer", input: () => ({ slug: "toy" }) },
  "aliases.set": { role: "editor", input: () => ({ slug: "toy", alias: "staging", version: 1 }) },
  "aliases.split": { role: "editor", input: () => ({ slug: "toy", alias: "production", canary: null, shadow: null }) },
  "aliases.promote": { role: "editor", input: () => ({ slug: "toy", alias: "production" }) }, // editor: INVALID_SPLIT (no canary)
  "audit.list": { role: "viewer", input: () => ({}) },
  "nodes.catalog": { role: "viewer" },
  "runs.test": { role: "editor", input: () => ({ slug: "toy", target: 1, inputs: { flower: { a: 1, b: 2 } } }) },
  "apiKeys.list": { role: "admin" },
  "apiKeys.create": { role: "admin", input: () => ({ name: "stolen", pipelines: [] }) },
  "apiKeys.revoke": { role: "admin", input: (ids) => ({ id: ids.keyId }) },
  "apiKeys.rotate": { role: "admin", input: (ids) => ({ id: ids.keyId, overlapMinutes: 0 }) },
  "samples.list": { role: "viewer", input: () => ({ slug: "toy" }) },
  "samples.save": { role: "editor", input: () => ({ slug: "toy", name: "by viewer", inputs: { flower: { a: 1, b: 1 } } }) },
  "samples.delete": { role: "editor", input: (ids) => ({ slug: "toy", id: ids.sampleId }) },
  "examples.install": { role: "editor" },
  "models.list": { role: "viewer", input: () => ({}) },
  "models.get": { role: "viewer", input: () => ({ name: "no-such-model" }) }, // 404: there is none
  "models.delete": { role: "editor", input: () => ({ name: "no-such-model" }) },
  "models.setLabels": { role: "editor", input: () => ({ name: "no-such-model", version: 1, labels: ["a"] }) },
  "invocations.list": { role: "viewer", input: () => ({}) },
  "invocations.get": { role: "viewer", input: () => ({ id: randomUUID() }) }, // 404
  "invocations.stats": { role: "viewer", input: () => ({ slug: "toy", from: NOW - 3_600_000, to: NOW }) },
  "invocations.compare": { role: "viewer", input: () => ({ slug: "toy", alias: "production", from: NOW - 3_600_000, to: NOW }) },
  "invocations.sparklines": { role: "viewer" },
  "invocations.keys": { role: "viewer" },
  "assets.list": { role: "viewer", input: () => ({ slug: "toy" }) },
  "assets.get": { role: "viewer", input: () => ({ slug: "toy", name: "vocab.txt" }) },
  "assets.upload": { role: "editor", input: () => ({ slug: "toy", name: "evil.txt", contentBase64: Buffer.from("x").toString("base64") }) },
  "assets.delete": { role: "editor", input: () => ({ slug: "toy", name: "vocab.txt" }) },
  "batches.dataset": { role: "viewer", input: (ids) => ({ slug: "toy", id: ids.datasetId }) },
  "batches.create": { role: "editor", input: (ids) => ({ slug: "toy", target: { version: 1 }, datasetId: ids.datasetId }) },
  "batches.list": { role: "viewer", input: () => ({ slug: "toy" }) },
  "batches.get": { role: "viewer", input: (ids) => ({ slug: "toy", id: ids.batchId }) },
  "batches.cancel": { role: "editor", input: (ids) => ({ slug: "toy", id: ids.batchId }) },
  "batches.retry": { role: "editor", input: (ids) => ({ slug: "toy", id: ids.batchId }) },
  "batches.rows": { role: "viewer", input: (ids) => ({ slug: "toy", id: ids.batchId }) },
};
/** Viewer reads that answer 404 here because the thing they ask for does not exist (still: not 403). */
const NOT_FOUND_READS = new Set(["models.get", "invocations.get"]);
const RANK: Record<TRole, number> = { public: -1, viewer: 0, editor: 1, admin: 2 };

const procedures = Object.entries((appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: "query" | "mutation" } }> } })._def.procedures).map(([path, p]) => ({ path, kind: p._def.type }));

/** Every keyed serving route (method, path); `{batch}` is a real batch's id. */
const SERVING_ROUTES: [string, string][] = [
  ["POST", "/api/v1/pipelines/toy/invoke"],
  ["POST", "/api/v1/pipelines/toy@production/invoke"],
  ["POST", "/api/v1/pipelines/toy/versions/1/invoke"],
  ["GET", "/api/v1/pipelines/toy/openapi.json"],
  ["GET", "/api/v1/pipelines/toy@production/openapi.json"],
  ["GET", "/api/v1/pipelines/toy/versions/1/openapi.json"],
  ["GET", "/api/v1/openapi.json"],
  ["GET", "/v2/models/toy"],
  ["GET", "/v2/models/toy/versions/1"],
  ["GET", "/v2/models/toy/ready"],
  ["POST", "/v2/models/toy/infer"],
  ["POST", "/v2/models/toy/versions/1/infer"],
  ["GET", "/api/v1/pipelines/toy/batches"],
  ["POST", "/api/v1/pipelines/toy/batches"],
  ["GET", "/api/v1/pipelines/toy/batches/{batch}"],
  ["GET", "/api/v1/pipelines/toy/batches/{batch}/results"],
  ["POST", "/api/v1/pipelines/toy/batches/{batch}/cancel"],
  ["POST", "/api/v1/pipelines/toy/batches/{batch}/retry"],
];

describe.each(BACKENDS)("access sweep on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let h: TSweep;
  let ids: TIds;

  beforeAll(async () => {
    let url: string | undefined;
    ({ db, url, dispose } = await backend.open());
    h = await startSweep({ db, url });
    const api = await h.admin.api();
    const viewer = await db.prisma.user.findUniqueOrThrow({ where: { email: "viewer@example.com" } });
    const key = await api.apiKeys.create({ name: "victim", pipelines: ["toy"] });
    const sample = await api.samples.save({ slug: "toy", name: "s1", inputs: { flower: { a: 1, b: 1 } } });
    await api.assets.upload({ slug: "toy", name: "vocab.txt", contentBase64: Buffer.from("a\nb\n").toString("base64") });
    const up = await call(h.base, "POST", "/api/datasets?slug=toy&format=jsonl&name=rows.jsonl", '{"flower":{"a":1,"b":2}}\n', { cookie: h.cookies.editor, "content-type": "application/octet-stream" });
    expect(up.status, up.text).toBe(201);
    const datasetId = String(up.body.id);
    const batch = await api.batches.create({ slug: "toy", target: { version: 1 }, datasetId });
    ids = { userId: viewer.id, keyId: key.id, sampleId: sample.id, datasetId, batchId: batch.id }; // stays queued (no runner)
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await dispose?.();
  });

  it("lists every procedure of the router (a new one must be added here with its role)", () => {
    expect(procedures.map((p) => p.path).sort()).toEqual(Object.keys(PROCEDURES).sort());
  });

  it.each([
    ["viewer", "editor"],
    ["viewer", "admin"],
    ["editor", "admin"],
  ] as const)("a %s calling every %s procedure with a valid input gets 403 FORBIDDEN, and nothing changes", async (who, needed) => {
    const cookie = h.cookies[who];
    const targets = procedures.filter((p) => PROCEDURES[p.path]!.role === needed);
    expect(targets.length).toBeGreaterThan(needed === "admin" ? 5 : 15);
    const before = await snapshot(db);
    for (const p of targets) {
      const c = await trpc(h.base, p.kind, p.path, PROCEDURES[p.path]!.input?.(ids), { cookie });
      expectTrpcError(c, 403, "FORBIDDEN", `${who} → ${p.path}`);
      expect((c.body as { error: { data: { details?: unknown } } }).error.data.details, p.path).toMatchObject({ required: expect.any(String), role: who });
    }
    // Moving an alias with force is admin-only, even for an editor.
    const forced = await trpc(h.base, "mutation", "aliases.set", { slug: "toy", alias: "production", version: 1, force: true }, { cookie: h.cookies.editor });
    expectTrpcError(forced, 403, "FORBIDDEN", "editor → aliases.set force");
    expect(await snapshot(db)).toEqual(before);
  });

  it("a viewer's empty-input calls of editor/admin procedures are refused (403, or 400 where input validation comes first) and change nothing", async () => {
    const before = await snapshot(db);
    const validationFirst: string[] = [];
    for (const p of procedures.filter((x) => RANK[PROCEDURES[x.path]!.role] > 0)) {
      const c = await trpc(h.base, p.kind, p.path, p.kind === "query" ? undefined : {}, { cookie: h.cookies.viewer });
      expect([403, 400], `${p.path}: ${c.text.slice(0, 200)}`).toContain(c.status);
      expect(c.body.code, p.path).toBe(c.status === 403 ? "FORBIDDEN" : "INVALID_INPUT");
      if (c.status === 400) validationFirst.push(p.path);
    }
    // The role is checked by each use case, after the input schema: with a bad input a viewer learns the input is bad.
    expect(validationFirst.length).toBeGreaterThan(0);
    expect(await snapshot(db)).toEqual(before);
  });

  it("a viewer can call every viewer procedure (the role check is not simply 'everything refused')", async () => {
    for (const p of procedures.filter((x) => PROCEDURES[x.path]!.role === "viewer")) {
      const c = await trpc(h.base, p.kind, p.path, PROCEDURES[p.path]!.input?.(ids), { cookie: h.cookies.viewer });
      if (NOT_FOUND_READS.has(p.path)) expectTrpcError(c, 404, "NOT_FOUND", p.path);
      else expect(c.status, `${p.path}: ${c.text.slice(0, 300)}`).toBe(200);
    }
  });

  it("every serving route refuses keys in the URL, and unknown, malformed, revoked, expired and out-of-scope keys, with a code; nothing runs", async () => {
    const api = await h.admin.api();
    const revoked = await api.apiKeys.create({ name: "revoked", pipelines: [] });
    await api.apiKeys.revoke({ id: revoked.id });
    const expired = await api.apiKeys.create({ name: "expired", pipelines: [], expiresAt: new Date(Date.now() + 60_000) });
    await db.prisma.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await api.pipelines.create({ slug: "other", name: "Other" });
    const other = await api.apiKeys.create({ name: "other pipeline", pipelines: ["other"] });
    h.serving.invalidate();
    const cases: { what: string; query?: string; headers: Record<string, string>; status: number; code: string; detail: RegExp }[] = [
      ...["api_key", "apikey", "key", "token", "access_token"].map((p) => ({ what: `?${p}=`, query: `${p}=${encodeURIComponent(h.key)}`, headers: { authorization: `Bearer ${h.key}` }, status: 401, code: "API_KEY_IN_URL", detail: /not accepted in the URL/ })),
      { what: "no key", headers: {}, status: 401, code: "UNAUTHENTICATED", detail: /API key is required/ },
      { what: "malformed", headers: { authorization: "Bearer il_../../etc/passwd" }, status: 401, code: "UNAUTHENTICATED", detail: /malformed/ },
      { what: "unknown", headers: { "x-api-key": `il_0000000000_${"x".repeat(43)}` }, status: 401, code: "UNAUTHENTICATED", detail: /not valid|malformed/ },
      { what: "revoked", headers: { authorization: `Bearer ${revoked.key}` }, status: 401, code: "UNAUTHENTICATED", detail: /revoked/ },
      { what: "expired", headers: { authorization: `Bearer ${expired.key}` }, status: 401, code: "UNAUTHENTICATED", detail: /expired/ },
      { what: "out of scope", headers: { authorization: `Bearer ${other.key}` }, status: 403, code: "FORBIDDEN", detail: /may not call pipeline 'toy'/ },
    ];
    const before = await snapshot(db);
    for (const [method, route] of SERVING_ROUTES) {
      const path = route.replace("{batch}", ids.batchId);
      for (const c of cases) {
        if (c.what === "out of scope" && path === "/api/v1/openapi.json") continue; // the combined document lists what a key may call
        const url = c.query ? `${path}${path.includes("?") ? "&" : "?"}${c.query}` : path;
        const res = await call(h.base, method, url, method === "POST" ? { flower: { a: 1, b: 2 } } : undefined, c.headers);
        expectProblem(res, c.status, c.code, `${c.what}: ${method} ${route}`);
        expect(res.body.detail, `${c.what}: ${method} ${route}`).toMatch(c.detail);
      }
    }
    expect(await snapshot(db)).toEqual(before);
  });

  it("cross-origin writes to the app API are 403 FORBIDDEN problem+json (tRPC mutations, model and dataset uploads), nothing changes", async () => {
    const before = await snapshot(db);
    const origins = ["https://evil.example", "null", `http://${h.host}.evil.example`, "not a url"];
    const mutations = procedures.filter((p) => p.kind === "mutation");
    expect(mutations.length).toBeGreaterThan(20);
    for (const origin of origins) {
      for (const p of mutations) {
        const c = await call(h.base, "POST", `/api/trpc/${p.path}`, PROCEDURES[p.path]!.input?.(ids) ?? {}, { cookie: h.cookies.admin, origin });
        expectProblem(c, 403, "FORBIDDEN", `${origin} → ${p.path}`);
      }
      const model = await call(h.base, "POST", "/api/models?name=evil", new Uint8Array(16), { cookie: h.cookies.admin, origin, "content-type": "application/octet-stream" });
      expectProblem(model, 403, "FORBIDDEN", `${origin} → /api/models`);
      const dataset = await call(h.base, "POST", "/api/datasets?slug=toy&format=jsonl", '{"flower":{}}\n', { cookie: h.cookies.admin, origin, "content-type": "application/octet-stream" });
      expectProblem(dataset, 403, "FORBIDDEN", `${origin} → /api/datasets`);
      // A form post from another site (no preflight) is refused the same way.
      const form = await call(h.base, "POST", "/api/trpc/pipelines.create", "slug=x&name=y", { cookie: h.cookies.admin, origin, "content-type": "application/x-www-form-urlencoded" });
      expectProblem(form, 403, "FORBIDDEN", `${origin} → form post`);
    }
    // The same calls from the app's own origin go through (the check is not "refuse every Origin").
    const own = await call(h.base, "POST", "/api/trpc/pipelines.validate", { graph: toyClassifierGraph() }, { cookie: h.cookies.admin, origin: h.base });
    expect(own.status).toBe(200);
    expect(await snapshot(db)).toEqual(before);
  });
});
