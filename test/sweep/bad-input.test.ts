import { existsSync } from "node:fs";
import path from "node:path";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { MAX_JSON_DEPTH } from "@/server/http/json-depth.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { linearModel } from "../helpers/onnx-builder.ts";
import { makeZip } from "../helpers/zip.ts";
import { call, expectProblem, expectTrpcError, expectUnchanged, expectUnpolluted, filesUnder, snapshot, startSweep, trpc, type TCall, type TSweep } from "./harness.ts";

/**
 * Issue 13, item 5 (bad input): malformed, deep and huge JSON, compression bombs, wrong content types and
 * encodings on every route that reads a body; `__proto__` / `constructor.prototype` keys in graphs, params and
 * inputs; path-like names in every name, slug and file-name field. Each case asserts the status, the problem's
 * `code`, and that nothing was lost or changed: table digests before and after, the draft as it was,
 * Object.prototype clean, and no file written outside DATA_DIR's own places.
 */
const LIMIT = 256 * 1024; // the sweep server's body limit (REST, OIP, tRPC, datasets)
const deepArray = (n: number) => "[".repeat(n) + "]".repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
const FLOWER = { a: 1, b: 2 };
/** A body that inflates far past the limit: ~20 MB of JSON, ~20 KB on the wire. */
const BOMB = Buffer.from(`{"flower":{"a":1,"b":2,"pad":"${"0".repeat(20 * 1024 * 1024)}"}}`);
const PATH_LIKE = ["../x", "../../../../tmp/sweep-escape", "a/b", "..\\x", "/etc/passwd", "a\u0000b", "x".repeat(300), "%2e%2e%2fx", ".."];

interface TBodyCase {
  what: string;
  body: string | Uint8Array;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

/** Bad bodies every JSON route refuses before anything runs. */
const JSON_BODY_CASES: TBodyCase[] = [
  { what: "malformed JSON", body: "{not json", status: 400, code: "INVALID_INPUT" },
  { what: "truncated JSON", body: '{"flower":{"a":1', status: 400, code: "INVALID_INPUT" },
  { what: "invalid UTF-8", body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), status: 400, code: "INVALID_INPUT" },
  { what: "a JSON array", body: "[1,2]", status: 400, code: "INVALID_INPUT" },
  { what: "JSON null", body: "null", status: 400, code: "INVALID_INPUT" },
  { what: `arrays ${MAX_JSON_DEPTH + 1} deep`, body: `{"flower":${deepArray(MAX_JSON_DEPTH)}}`, status: 400, code: "INVALID_INPUT" },
  { what: "arrays 100 000 deep", body: `{"flower":${deepArray(100_000)}}`, status: 400, code: "INVALID_INPUT" },
  { what: "objects 30 000 deep", body: `{"flower":${deepObject(30_000)}}`, status: 400, code: "INVALID_INPUT" },
  { what: "larger than the limit", body: JSON.stringify({ flower: { ...FLOWER, pad: "x".repeat(LIMIT) } }), status: 413, code: "PAYLOAD_TOO_LARGE" },
  { what: "a gzip bomb", body: gzipSync(BOMB), headers: { "content-encoding": "gzip" }, status: 413, code: "PAYLOAD_TOO_LARGE" },
  { what: "a deflate bomb", body: deflateSync(BOMB), headers: { "content-encoding": "deflate" }, status: 413, code: "PAYLOAD_TOO_LARGE" },
  { what: "a brotli bomb", body: brotliCompressSync(BOMB), headers: { "content-encoding": "br" }, status: 413, code: "PAYLOAD_TOO_LARGE" },
  { what: "gzip that is not gzip", body: JSON.stringify({ flower: FLOWER }), headers: { "content-encoding": "gzip" }, status: 400, code: "INVALID_INPUT" },
  { what: "an unknown encoding", body: JSON.stringify({ flower: FLOWER }), headers: { "content-encoding": "compress" }, status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  { what: "text/plain", body: JSON.stringify({ flower: FLOWER }), headers: { "content-type": "text/plain" }, status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  { what: "a form post", body: "flower=1", headers: { "content-type": "application/x-www-form-urlencoded" }, status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
];
const OIP_INPUT = { inputs: [{ name: "flower", datatype: "BYTES", shape: [1], data: [JSON.stringify(FLOWER)] }] };

describe.each(BACKENDS)("bad-input sweep on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let h: TSweep;
  const rest = (body: string | Uint8Array | object, headers: Record<string, string> = {}, route = "/api/v1/pipelines/toy/invoke") => call(h.base, "POST", route, body, { authorization: `Bearer ${h.key}`, ...headers });
  const oip = (body: string | Uint8Array | object, headers: Record<string, string> = {}) => call(h.base, "POST", "/v2/models/toy/infer", body, { authorization: `Bearer ${h.key}`, ...headers });
  const editor = (kind: "query" | "mutation", procedure: string, input: unknown) => trpc(h.base, kind, procedure, input, { cookie: h.cookies.editor });
  const admin = (kind: "query" | "mutation", procedure: string, input: unknown) => trpc(h.base, kind, procedure, input, { cookie: h.cookies.admin });
  const draft = async () => (await h.admin.api()).drafts.get({ slug: "toy" });

  beforeAll(async () => {
    let url: string | undefined;
    ({ db, url, dispose } = await backend.open());
    h = await startSweep({ db, url });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await dispose?.();
  });

  it("REST invoke and OIP infer refuse every bad body with its code before anything runs (no row)", async () => {
    const before = await snapshot(db);
    for (const c of JSON_BODY_CASES) {
      expectProblem(await rest(c.body, c.headers), c.status, c.code, `REST: ${c.what}`);
      const oipBody = typeof c.body === "string" ? c.body.replace('{"flower":', '{"inputs":[{"name":"flower","datatype":"FP64","shape":[1],"data":').replace(/}$/, "}]}") : c.body;
      expectProblem(await oip(oipBody, c.headers), c.status, c.code, `OIP: ${c.what}`);
    }
    // OIP's own shapes: binary sections that do not add up, bad datatypes and shapes, JSON in BYTES too deep.
    const oipCases: TBodyCase[] = [
      { what: "a bad Inference-Header-Content-Length", body: JSON.stringify(OIP_INPUT), headers: { "content-type": "application/octet-stream", "inference-header-content-length": "abc" }, status: 400, code: "INVALID_INPUT" },
      { what: "binary sizes that do not add up", body: Buffer.concat([Buffer.from('{"inputs":[{"name":"flower","datatype":"BYTES","shape":[1],"parameters":{"binary_data_size":99}}]}'), Buffer.alloc(4)]), headers: { "content-type": "application/octet-stream", "inference-header-content-length": "95" }, status: 400, code: "INVALID_INPUT" },
      { what: "an unknown datatype", body: JSON.stringify({ inputs: [{ name: "flower", datatype: "FP128", shape: [1], data: [1] }] }), status: 400, code: "INVALID_INPUT" },
      { what: "a negative shape", body: JSON.stringify({ inputs: [{ name: "flower", datatype: "FP32", shape: [-1], data: [1] }] }), status: 400, code: "INVALID_INPUT" },
      { what: "deep JSON in a BYTES element", body: JSON.stringify({ inputs: [{ name: "flower", datatype: "BYTES", shape: [1], data: [deepObject(10_000)] }] }), status: 400, code: "INVALID_INPUT" },
      { what: "inputs that are not a list", body: JSON.stringify({ inputs: { flower: 1 } }), status: 400, code: "INVALID_INPUT" },
    ];
    for (const c of oipCases) expectProblem(await oip(c.body, c.headers), c.status, c.code, `OIP: ${c.what}`);
    // A body larger than the limit without a Content-Length (chunked) is cut off while streaming.
    const chunked = await fetch(`${h.base}/api/v1/pipelines/toy/invoke`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${h.key}` },
      body: new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(`{"flower":"${"x".repeat(2 * LIMIT)}"}`)), c.close()) }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await chunked.json()).code).toBe("PAYLOAD_TOO_LARGE");
    // Multipart without a boundary.
    expectProblem(await rest("--x\r\n", { "content-type": "multipart/form-data" }), 400, "INVALID_INPUT", "multipart without boundary");
    await expectUnchanged(db, before);
    // The server still answers normally afterwards.
    expect((await rest({ flower: FLOWER })).status).toBe(200);
  });

  it("tRPC refuses bad bodies with the code for each (400/405/413/415), and the draft is unchanged", async () => {
    const graphBefore = await draft();
    const before = await snapshot(db);
    const save = (body: string | Uint8Array, headers: Record<string, string> = {}) => call(h.base, "POST", "/api/trpc/drafts.save", body, { cookie: h.cookies.editor, ...headers });
    const valid = (graph: unknown) => JSON.stringify({ slug: "toy", graph, layout: {}, baseRevision: graphBefore.revision });
    const cases: [string, TCall, number, string][] = [
      ["malformed JSON", await save("{not json"), 400, "INVALID_INPUT"],
      ["a JSON array", await save("[1]"), 400, "INVALID_INPUT"],
      ["params 100 000 deep", await save(valid({ ...toyClassifierGraph(), nodes: [{ id: "x", type: "tabular/features@v1", params: { p: "@" } }] }).replace('"@"', deepArray(100_000))), 400, "INVALID_INPUT"],
      ["objects 30 000 deep", await save(deepObject(30_000)), 400, "INVALID_INPUT"],
      ["larger than the limit", await save(valid({ ...toyClassifierGraph(), pad: "x".repeat(LIMIT) })), 413, "PAYLOAD_TOO_LARGE"],
      ["text/plain", await save(valid(toyClassifierGraph()), { "content-type": "text/plain" }), 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["no content type", await save(valid(toyClassifierGraph()), { "content-type": "" }), 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["a gzip body", await save(gzipSync(valid(toyClassifierGraph())), { "content-encoding": "gzip" }), 400, "INVALID_INPUT"],
      ["GET of a mutation", await call(h.base, "GET", "/api/trpc/drafts.save", undefined, { cookie: h.cookies.editor }), 405, "METHOD_NOT_ALLOWED"],
      ["a malformed query input", await call(h.base, "GET", "/api/trpc/drafts.get?input=%7Bnot", undefined, { cookie: h.cookies.editor }), 400, "INVALID_INPUT"],
      ["a query input 2 000 deep", await call(h.base, "GET", `/api/trpc/pipelines.list?input=${encodeURIComponent(deepArray(2000))}`, undefined, { cookie: h.cookies.editor }), 400, "INVALID_INPUT"],
      ["an invalid graph", await save(valid({ schemaVersion: 1, nodes: [{ id: "../x", type: "x" }], edges: [] })), 400, "INVALID_GRAPH"],
      ["an unknown procedure", await call(h.base, "POST", "/api/trpc/drafts.nope", "{}", { cookie: h.cookies.editor }), 404, "NOT_FOUND"],
    ];
    for (const [what, c, status, code] of cases) {
      const body = Array.isArray(c.body) ? (c.body as unknown as { error: { data: { appCode: string } } }[])[0] : null;
      if (body) c.body.code = body.error.data.appCode;
      expectTrpcError(c, status, code, `tRPC: ${what}`);
      expect(c.text, what).not.toMatch(/\bat .*\.ts:\d+/); // no stack traces
    }
    expect(await draft()).toEqual(graphBefore);
    await expectUnchanged(db, before);
  });

  it("NUL characters in stored text are refused with 400, not a database error (500)", async () => {
    const before = await snapshot(db);
    const cases: [string, TCall][] = [
      ["pipeline name", await editor("mutation", "pipelines.create", { slug: "nul", name: "a\u0000b" })],
      ["pipeline description", await editor("mutation", "pipelines.rename", { slug: "toy", name: "Toy", description: "a\u0000b" })],
      ["sample name", await editor("mutation", "samples.save", { slug: "toy", name: "a\u0000b", inputs: { flower: FLOWER } })],
      ["sample input", await editor("mutation", "samples.save", { slug: "toy", name: "s", inputs: { flower: { ...FLOWER, t: "\u0000" } } })],
      ["a key in a graph param", await editor("mutation", "drafts.save", { slug: "toy", graph: { ...toyClassifierGraph(), nodes: [{ id: "x", type: "tabular/features@v1", params: { "a\u0000": 1 } }] }, layout: {}, baseRevision: (await draft()).revision })],
      ["version message", await editor("mutation", "versions.commit", { slug: "toy", message: "a\u0000b" })],
      ["user name", await admin("mutation", "users.create", { email: "nul@example.com", name: "a\u0000b", password: "password-nul", role: "viewer" })],
      ["API key name", await admin("mutation", "apiKeys.create", { name: "a\u0000b" })],
      ["editor run input", await editor("mutation", "runs.test", { slug: "toy", target: 1, inputs: { flower: { ...FLOWER, t: "\u0000" } } })],
    ];
    for (const [what, c] of cases) expectTrpcError(c, 400, "INVALID_INPUT", what);
    await expectUnchanged(db, before);
  });

  it("__proto__ and constructor.prototype keys in inputs, params and graphs pollute nothing and smuggle nothing", async () => {
    const proto = '"__proto__":{"polluted":1,"flower":{"a":9,"b":9},"isAdmin":true}';
    const ctor = '"constructor":{"prototype":{"polluted":1}}';
    const invocations = await db.prisma.invocation.count();
    // REST: as an input name it is an unknown input (a logged INVALID_INPUT run); inside an input it is plain data.
    const top = await rest(`{${proto},"flower":{"a":1,"b":2}}`);
    expectProblem(top, 400, "INVALID_INPUT", "REST top-level __proto__");
    expect(top.body.details).toEqual({ unknown: ["__proto__"] });
    expectProblem(await rest(`{${ctor},"flower":{"a":1,"b":2}}`), 400, "INVALID_INPUT", "REST constructor");
    // Without `flower`: a __proto__ that holds one must not stand in for it.
    expectProblem(await rest(`{${proto}}`), 400, "INVALID_INPUT", "REST __proto__ only");
    const nested = await rest(`{"flower":{"a":1,"b":2,${proto},${ctor}}}`);
    expect(nested.status).toBe(200);
    const row = await db.prisma.invocation.findUniqueOrThrow({ where: { id: String(nested.body.invocation_id) } });
    expect(Object.keys((row.inputs as { flower: object }).flower)).toEqual(expect.arrayContaining(["a", "b", "constructor"]));
    // Multipart: a part named __proto__ is an input like any other, never the inputs' prototype.
    const form = new FormData();
    form.set("__proto__", JSON.stringify({ flower: { a: 3, b: 2 } }));
    const multipart = await fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { authorization: `Bearer ${h.key}` }, body: form });
    expect(multipart.status).toBe(400);
    expect((await multipart.json()).code).toBe("INVALID_INPUT");
    // OIP: an input named __proto__ is unknown; request parameters with it are ignored.
    expectProblem(await oip(`{"inputs":[{"name":"__proto__","datatype":"FP32","shape":[1],"data":[1]}]}`), 400, "INVALID_INPUT", "OIP __proto__ input");
    expect((await oip(`{${proto},"parameters":{${proto}},"inputs":[{"name":"flower","datatype":"BYTES","shape":[1],"data":["{${proto.replaceAll('"', '\\"')},\\"a\\":1,\\"b\\":2}"]}]}`)).status).toBe(200);
    expect(await db.prisma.invocation.count()).toBe(invocations + 6); // every run is logged, refused ones too (5 REST, 1 OIP; the OIP refusal never ran)
    expectUnpolluted();

    // Graphs, params and layouts: the keys are dropped by validation or kept as inert data, never a prototype.
    const before = await draft();
    const g = JSON.stringify({ slug: "toy", graph: toyClassifierGraph(), layout: { nodes: { in_flower: { x: 1, y: 1 } } }, baseRevision: before.revision })
      .replace('"graph":{', `"graph":{${proto},`)
      .replace('"fields":["a","b"]', `"fields":["a","b"],${proto},${ctor}`)
      .replace('"in_flower":{', `${proto.replace('"polluted":1,', '"x":5,"y":6,')},"in_flower":{`);
    const saved = await call(h.base, "POST", "/api/trpc/drafts.save", g, { cookie: h.cookies.editor });
    expect(saved.status, saved.text).toBe(200);
    const after = await draft();
    const graph = after.graph as { nodes: { id: string; params: Record<string, unknown> }[] };
    const layout = after.layout as { nodes: Record<string, unknown> };
    const features = graph.nodes.find((n) => n.id === "features")!;
    expect(Object.getPrototypeOf(features.params)).toBe(Object.prototype);
    expect(Object.hasOwn(features.params, "__proto__")).toBe(false);
    expect(features.params.constructor).toEqual({ prototype: { polluted: 1 } }); // inert data
    expect(Object.keys(layout.nodes)).toEqual(["in_flower"]);
    const validate = await call(h.base, "POST", "/api/trpc/pipelines.validate", `{"graph":{${proto},"schemaVersion":1,"nodes":[{"id":"a","type":"io/input@v1","params":{${proto},"name":"x","kind":{"kind":"json"}}}],"edges":[]}}`, { cookie: h.cookies.viewer });
    expect(validate.status).toBe(200);
    const sample = await call(h.base, "POST", "/api/trpc/samples.save", `{"slug":"toy","name":"proto","inputs":{${proto},"flower":{"a":1,"b":2,${ctor}}}}`, { cookie: h.cookies.editor });
    expect(sample.status).toBe(200);
    expect((await db.prisma.sample.findFirstOrThrow({ where: { name: "proto" } })).inputs).toEqual({ flower: { a: 1, b: 2, constructor: { prototype: { polluted: 1 } } } });
    const run = await call(h.base, "POST", "/api/trpc/runs.test", `{"slug":"toy","target":1,"inputs":{${proto}}}`, { cookie: h.cookies.editor });
    expect((run.body as { result: { data: { status: string; error: { code: string } } } }).result.data).toMatchObject({ status: "error", error: { code: "INVALID_INPUT" } });
    const key = await call(h.base, "POST", "/api/trpc/apiKeys.create", `{${proto},"name":"proto","pipelines":[]}`, { cookie: h.cookies.admin });
    expect(key.status).toBe(200);
    expect((await db.prisma.apiKey.findFirstOrThrow({ where: { name: "proto" } })).pipelines).toEqual([]);
    // A JSONL dataset whose rows carry the keys: columns are data, not properties of anything.
    const ds = await call(h.base, "POST", "/api/datasets?slug=toy&format=jsonl", `{${proto},"flower":{"a":1,"b":2}}\n`, { cookie: h.cookies.editor, "content-type": "application/octet-stream" });
    expect(ds.status, ds.text).toBe(201);
    expectUnpolluted();
  });

  it("path-like names in every slug, name and file-name field are refused or stored as inert text; nothing is written outside DATA_DIR", async () => {
    const files = await filesUnder(h.dataDir);
    const escapes = () => PATH_LIKE.filter((n) => !n.includes("\u0000")).flatMap((n) => [path.resolve(h.modelsDir, n), path.resolve(h.modelsDir, `${n}.onnx`), path.resolve(h.dataDir, "tmp", n)]);
    const existed = new Set(escapes().filter((p) => existsSync(p))); // /etc/passwd is there, of course
    const before = await snapshot(db);
    for (const name of PATH_LIKE) {
      const what = JSON.stringify(name.slice(0, 40));
      const slug = await editor("mutation", "pipelines.create", { slug: name, name: "x" });
      expect([400], `${what}: ${slug.text}`).toContain(slug.status);
      expect(["INVALID_SLUG", "INVALID_INPUT"], what).toContain(slug.body.code);
      expectTrpcError(await editor("mutation", "assets.upload", { slug: "toy", name, contentBase64: "eA==" }), 400, "INVALID_INPUT", `asset ${what}`);
      const alias = await editor("mutation", "aliases.set", { slug: "toy", alias: name, version: 1 });
      expect(["INVALID_ALIAS", "INVALID_INPUT"], `${what}: ${alias.text}`).toContain(alias.body.code);
      expect(alias.status).toBe(400);
      const model = await call(h.base, "POST", `/api/models?name=${encodeURIComponent(name)}`, linearModel(), { cookie: h.cookies.editor, "content-type": "application/octet-stream" });
      expectProblem(model, 400, "INVALID_INPUT", `model upload ${what}`);
      for (const [proc, input] of [
        ["models.setLabels", { name, version: 1, labels: null }],
        ["models.delete", { name }],
      ] as const) {
        const c = await editor("mutation", proc, input);
        expect([400, 404], `${proc} ${what}: ${c.text}`).toContain(c.status);
      }
      const serving = await rest({ flower: FLOWER }, {}, `/api/v1/pipelines/${encodeURIComponent(name)}/invoke`);
      expect([404], `REST slug ${what}`).toContain(serving.status);
      expect(serving.body.code).toBe("NOT_FOUND");
      expectProblem(await call(h.base, "POST", `/v2/models/${encodeURIComponent(name)}/infer`, OIP_INPUT, { authorization: `Bearer ${h.key}` }), 404, "NOT_FOUND", `OIP model ${what}`);
    }
    await expectUnchanged(db, before);

    // Display names and file names are text: stored as given (NUL stripped from file names), never used as a path.
    for (const name of PATH_LIKE.filter((n) => !n.includes("\u0000") && n.length < 100)) {
      expect((await editor("mutation", "pipelines.rename", { slug: "toy", name })).status, name).toBe(200);
      expect((await editor("mutation", "samples.save", { slug: "toy", name, inputs: { flower: FLOWER } })).status, name).toBe(200);
      expect((await admin("mutation", "apiKeys.create", { name, pipelines: [] })).status, name).toBe(200);
    }
    for (const name of PATH_LIKE) {
      const up = await call(h.base, "POST", `/api/datasets?slug=toy&format=jsonl&name=${encodeURIComponent(name)}`, `{"flower":{"a":1,"b":2}}\n`, { cookie: h.cookies.editor, "content-type": "application/octet-stream" });
      expect(up.status, `dataset ${JSON.stringify(name)}: ${up.text}`).toBe(201);
      expect(up.body.name).toBe(name.replaceAll("\u0000", "").slice(0, 255));
      const batch = await call(h.base, "POST", `/api/v1/pipelines/toy/batches?name=${encodeURIComponent(name)}`, "a,b\n1,2\n", { authorization: `Bearer ${h.key}`, "content-type": "text/csv" });
      expect([202, 400], `batch ${JSON.stringify(name)}: ${batch.text}`).toContain(batch.status);
    }
    // Zip entries named like paths are refused (DATASET_INVALID) or kept as a row's name — never extracted anywhere.
    for (const entry of ["../../../../tmp/sweep-escape", "/etc/sweep-abs", "a\\..\\..\\sweep-win", "a/../../sweep-up"]) {
      const zipped = await call(h.base, "POST", "/api/datasets?slug=toy&format=zip&name=../../z.zip", await makeZip({ [entry]: Buffer.from("x"), "ok.txt": Buffer.from("w") }), { cookie: h.cookies.editor, "content-type": "application/octet-stream" });
      if (zipped.status === 201) expect(zipped.body.rowCount, entry).toBe(2);
      else expectProblem(zipped, 400, "DATASET_INVALID", `zip entry ${entry}`);
    }
    for (const p of [...escapes(), "/tmp/sweep-escape", "/etc/sweep-abs", path.resolve(h.dataDir, "..", "sweep-escape")]) if (!existed.has(p)) expect(existsSync(p), p).toBe(false);
    // DATA_DIR only gained its own places (model cache, dataset spool), nothing named after a request.
    const added = (await filesUnder(h.dataDir)).filter((f) => !files.includes(f));
    expect(added.filter((f) => !/^(models\/(tmp\/)?[0-9a-f]{64}\.onnx|tmp\/dataset-[0-9a-f-]+\.zip)$/.test(f))).toEqual([]);
  });
});
