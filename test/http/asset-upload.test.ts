import { createHash } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeError } from "@/server/api/trpc.ts";
import type { Database } from "@/server/db/client.ts";
import { createAppServer } from "@/server/http/app-server.ts";
import { expectAppError, SESSION_CONFIG, TestClient } from "../helpers/clients.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { testEngine } from "../helpers/engine.ts";
import { tokenizeGraph } from "../helpers/example-graphs.ts";
import { expectProblem } from "../helpers/problem.ts";

const MAX_BYTES = 64 * 1024;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/**
 * POST /api/assets over real sockets (issue 14): the app's asset upload on the lean path — session cookie, editor
 * role, same origin, a raw body counted against the limit, a file name (never a path) — with list, replace and
 * delete around it (tRPC), and problem+json refusals.
 */
describe.each(BACKENDS)("asset upload (POST /api/assets) on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let server: Server;
  let base: string;
  let editor: TestClient;
  let viewerCookie: string;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    server = createAppServer({
      db,
      context: { sessionConfig: SESSION_CONFIG, secureCookies: false, engine: testEngine() },
      next: (_req, res) => void res.writeHead(404).end(),
      assetMaxBytes: MAX_BYTES,
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    editor = new TestClient(db.prisma);
    const api = await editor.api();
    await api.auth.setup({ email: "ed@example.com", name: "Ed", password: "password-editor" });
    await (await editor.api()).users.create({ email: "vi@example.com", name: "Vi", password: "password-viewer", role: "viewer" });
    await (await editor.api()).pipelines.create({ slug: "bert-ids", name: "BERT ids" });
    const viewer = new TestClient(db.prisma);
    await (await viewer.api()).auth.signIn({ email: "vi@example.com", password: "password-viewer" });
    viewerCookie = viewer.cookie!;
  }, 120_000);
  afterAll(async () => {
    if (server) await new Promise((r) => server.close(r));
    await dispose?.();
  });

  const post = (query: string, body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/assets${query}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", cookie: editor.cookie!, ...headers },
      body,
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);

  it("uploads a vocabulary (201), lists it, and answers 200 with the same file for the same bytes", async () => {
    const vocab = await readFile("test/fixtures/text/bert-test-vocab.txt");
    const res = await post("?slug=bert-ids&name=vocab.txt", new Blob([vocab]));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ created: true, name: "vocab.txt", sha256: sha256(vocab), sizeBytes: vocab.length, mediaType: "text/plain" });
    const again = await post("?slug=bert-ids&name=vocab.txt", new Blob([vocab]));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ created: false, sha256: sha256(vocab) });
    const list = await (await editor.api()).assets.list({ slug: "bert-ids" });
    expect(list).toEqual([expect.objectContaining({ name: "vocab.txt", sha256: sha256(vocab), history: [] })]);
    const got = await (await editor.api()).assets.get({ slug: "bert-ids", name: "vocab.txt" });
    expect(Buffer.from(got.contentBase64, "base64")).toEqual(vocab);
  });

  it("replaces a file under its name: a new sha256, the earlier file kept in its history", async () => {
    const v1 = await readFile("test/fixtures/text/bert-test-vocab.txt");
    const v2 = Buffer.from(v1.toString("utf8").replace("want\n", "") + "want\n");
    const res = await post("?slug=bert-ids&name=vocab.txt", new Blob([v2]));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ created: true, name: "vocab.txt", sha256: sha256(v2) });
    const [entry, ...rest] = await (await editor.api()).assets.list({ slug: "bert-ids" });
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ name: "vocab.txt", sha256: sha256(v2), history: [expect.objectContaining({ sha256: sha256(v1) })] });
    // A gzip-encoded body is stored decompressed.
    const labels = Buffer.from("cat\ndog\n");
    const gz = await post("?slug=bert-ids&name=labels.txt", new Blob([gzipSync(labels)]), { "content-encoding": "gzip" });
    expect(gz.status).toBe(201);
    expect(await gz.json()).toMatchObject({ sha256: sha256(labels), sizeBytes: labels.length });
  });

  it("refuses to delete a name the draft or a committed version uses (ASSET_IN_USE), deletes an unused one", async () => {
    const api = await editor.api();
    const [vocab] = await api.assets.list({ slug: "bert-ids" });
    const d = await api.drafts.get({ slug: "bert-ids" });
    await api.drafts.save({ slug: "bert-ids", graph: tokenizeGraph({ name: "vocab.txt", sha256: vocab!.sha256 }), layout: {}, baseRevision: d.revision });
    const inDraft = await expectAppError((await editor.api()).assets.delete({ slug: "bert-ids", name: "vocab.txt" }), "ASSET_IN_USE");
    expect(inDraft.message).toContain("the draft (node tok)");
    expect(describeError(inDraft).details).toEqual({ name: "vocab.txt", draftNodes: ["tok"], versions: [] });

    // Committed, then the draft moves to another file: the version still holds the name.
    await (await editor.api()).versions.commit({ slug: "bert-ids", message: "vocab" });
    const labels = (await (await editor.api()).assets.list({ slug: "bert-ids" })).find((a) => a.name === "labels.txt")!;
    const d2 = await (await editor.api()).drafts.get({ slug: "bert-ids" });
    await (await editor.api()).drafts.save({ slug: "bert-ids", graph: tokenizeGraph({ name: "labels.txt", sha256: labels.sha256 }), layout: {}, baseRevision: d2.revision });
    const inVersion = await expectAppError((await editor.api()).assets.delete({ slug: "bert-ids", name: "vocab.txt" }), "ASSET_IN_USE");
    expect(inVersion.message).toContain("version 1");
    expect(inVersion.message).not.toContain("draft");
    expect(describeError(inVersion).details).toEqual({ name: "vocab.txt", draftNodes: [], versions: [1] });
    // The list says where each name is used.
    expect((await (await editor.api()).assets.list({ slug: "bert-ids" })).map((a) => [a.name, a.usedBy])).toEqual([
      ["labels.txt", { draft: [{ node: "tok", sha256: labels.sha256 }], versions: [] }],
      ["vocab.txt", { draft: [], versions: [1] }],
    ]);

    const unused = await post("?slug=bert-ids&name=unused.json", new Blob(['{"a":1}']));
    expect(await unused.json()).toMatchObject({ created: true, mediaType: "application/json" });
    expect(await (await editor.api()).assets.delete({ slug: "bert-ids", name: "unused.json" })).toEqual({ name: "unused.json", deleted: 1 });
    expect((await (await editor.api()).assets.list({ slug: "bert-ids" })).map((a) => a.name)).toEqual(["labels.txt", "vocab.txt"]);
    await expectAppError((await editor.api()).assets.delete({ slug: "bert-ids", name: "unused.json" }), "NOT_FOUND");
  });

  it("refuses an oversized file with 413 problem+json, declared or streamed, and stores nothing", async () => {
    const before = await db.prisma.assetBlob.count();
    const declared = await expectProblem(await post("?slug=bert-ids&name=big.txt", new Blob([new Uint8Array(MAX_BYTES + 1)])), 413, "PAYLOAD_TOO_LARGE");
    expect(declared.details).toEqual({ limitBytes: MAX_BYTES });
    expect(declared.detail).toBe("Assets are at most 64 KiB; this file is larger.");
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(16 * 1024).fill(65));
        c.close();
      },
    });
    await expectProblem(await post("?slug=bert-ids&name=big.txt", chunked), 413, "PAYLOAD_TOO_LARGE");
    // A gzip bomb counts its decompressed bytes.
    await expectProblem(await post("?slug=bert-ids&name=big.txt", new Blob([gzipSync(new Uint8Array(MAX_BYTES * 4))]), { "content-encoding": "gzip" }), 413, "PAYLOAD_TOO_LARGE");
    expect(await db.prisma.assetBlob.count()).toBe(before);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("refuses names that are not plain file names with 400, and unknown or archived pipelines", async () => {
    for (const name of ["../etc/passwd", "a/b.txt", "..", ".hidden", "with space.txt", "", "x".repeat(129), "C:\\vocab.txt"]) {
      const p = await expectProblem(await post(`?slug=bert-ids&name=${encodeURIComponent(name)}`, new Blob(["x"])), 400, "INVALID_INPUT");
      expect(p.details, name).toEqual({ field: "name" });
    }
    await expectProblem(await post("?slug=bert-ids&name=empty.txt", new Blob([])), 400, "INVALID_INPUT");
    await expectProblem(await post("?slug=nope&name=x.txt", new Blob(["x"])), 404, "NOT_FOUND");
    await (await editor.api()).pipelines.create({ slug: "old", name: "Old" });
    await (await editor.api()).pipelines.archive({ slug: "old", archived: true });
    await expectProblem(await post("?slug=old&name=x.txt", new Blob(["x"])), 409, "PIPELINE_ARCHIVED");
    expect(await db.prisma.pipelineAsset.count({ where: { name: { in: ["empty.txt", "x.txt"] } } })).toBe(0);
  });

  it("requires a signed-in editor, a same-origin request, POST and an octet-stream body", async () => {
    const body = new Blob(["hello\n"]);
    await expectProblem(await post("?slug=bert-ids&name=anon.txt", body, { cookie: "" }), 401, "UNAUTHENTICATED");
    const viewer = await expectProblem(await post("?slug=bert-ids&name=viewer.txt", body, { cookie: viewerCookie }), 403, "FORBIDDEN");
    expect(viewer.detail).toContain("editor");
    await expectProblem(await post("?slug=bert-ids&name=csrf.txt", body, { origin: "https://evil.example" }), 403, "FORBIDDEN");
    await expectProblem(await post("?slug=bert-ids&name=form.txt", "name=x", { "content-type": "multipart/form-data; boundary=x" }), 415, "UNSUPPORTED_MEDIA_TYPE");
    const get = await fetch(`${base}/api/assets?slug=bert-ids`, { headers: { cookie: editor.cookie! } });
    await expectProblem(get, 405, "METHOD_NOT_ALLOWED");
    expect(get.headers.get("allow")).toBe("POST");
    // Same origin is fine.
    const same = await post("?slug=bert-ids&name=same-origin.txt", body, { origin: base });
    expect(same.status).toBe(201);
    expect(await db.prisma.pipelineAsset.count({ where: { name: { in: ["anon.txt", "viewer.txt", "csrf.txt", "form.txt"] } } })).toBe(0);
  });
});
