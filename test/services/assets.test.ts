import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { expectAppError, TestClient } from "../helpers/clients.ts";
import { tokenizeGraph } from "../helpers/example-graphs.ts";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/**
 * Pipeline assets over tRPC on a real database: upload, list, content, delete; nodes reference them by hash,
 * drafts and committed versions compile and run with them, a version keeps its file when the name is
 * reused, and a name in use cannot be removed.
 */
describe.each(BACKENDS)("pipeline assets on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let editor: TestClient;
  let viewer: TestClient;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    editor = new TestClient(db.prisma);
    await (await editor.api()).auth.setup({ email: "ed@example.com", name: "Ed", password: "password-editor" });
    const api = await editor.api();
    await api.users.create({ email: "vi@example.com", name: "Vi", password: "password-viewer", role: "viewer" });
    viewer = new TestClient(db.prisma);
    await (await viewer.api()).auth.signIn({ email: "vi@example.com", password: "password-viewer" });
    await api.pipelines.create({ slug: "bert-ids", name: "BERT ids" });
  }, 120_000);
  afterAll(async () => {
    await dispose?.();
  });

  it("uploads a vocabulary, lists and returns it; same bytes twice is one file", async () => {
    const api = await editor.api();
    const vocab = await readFile("test/fixtures/text/bert-test-vocab.txt");
    const up = await api.assets.upload({ slug: "bert-ids", name: "vocab.txt", contentBase64: vocab.toString("base64") });
    expect(up).toMatchObject({ name: "vocab.txt", sha256: sha256(vocab), sizeBytes: vocab.length, mediaType: "text/plain", created: true });
    expect((await api.assets.upload({ slug: "bert-ids", name: "vocab.txt", contentBase64: vocab.toString("base64") })).created).toBe(false);
    expect(await (await viewer.api()).assets.list({ slug: "bert-ids" })).toEqual([expect.objectContaining({ name: "vocab.txt", sha256: sha256(vocab), history: [] })]);
    const got = await api.assets.get({ slug: "bert-ids", name: "vocab.txt" });
    expect(Buffer.from(got.contentBase64, "base64")).toEqual(vocab);
  });

  it("refuses viewers, bad names, empty and unknown assets", async () => {
    await expectAppError((await viewer.api()).assets.upload({ slug: "bert-ids", name: "x.txt", contentBase64: "eA==" }), "FORBIDDEN");
    const api = await editor.api();
    await expectAppError(api.assets.upload({ slug: "bert-ids", name: "../etc/passwd", contentBase64: "eA==" }), "INVALID_INPUT");
    await expectAppError(api.assets.upload({ slug: "bert-ids", name: "empty.txt", contentBase64: "" }), "INVALID_INPUT");
    await expectAppError(api.assets.upload({ slug: "nope", name: "x.txt", contentBase64: "eA==" }), "NOT_FOUND");
    await expectAppError(api.assets.get({ slug: "bert-ids", name: "missing.txt" }), "NOT_FOUND");
  });

  it("a draft referencing the asset runs; a committed version keeps its file after the name is reused", async () => {
    const api = await editor.api();
    const v1 = await readFile("test/fixtures/text/bert-test-vocab.txt");
    const ref1 = { name: "vocab.txt", sha256: sha256(v1) };
    let d = await api.drafts.get({ slug: "bert-ids" });
    await api.drafts.save({ slug: "bert-ids", graph: tokenizeGraph(ref1), layout: {}, baseRevision: d.revision });
    const r1 = await api.runs.test({ slug: "bert-ids", target: "draft", inputs: { text: "unwanted running" } });
    expect(r1, JSON.stringify(r1)).toMatchObject({ status: "ok", outputs: { ids: { dtype: "int64", shape: [1, 8], data: [2, 8, 5, 6, 9, 10, 3, 0] } } });
    await api.versions.commit({ slug: "bert-ids", message: "vocab v1" });

    // A new vocabulary under the same name: "want" moves to the end of the file.
    const v2 = Buffer.from(v1.toString("utf8").replace("want\n", "") + "want\n");
    const up = await api.assets.upload({ slug: "bert-ids", name: "vocab.txt", contentBase64: v2.toString("base64") });
    const list = await api.assets.list({ slug: "bert-ids" });
    expect(list[0]).toMatchObject({ sha256: up.sha256, history: [expect.objectContaining({ sha256: ref1.sha256 })] });
    d = await api.drafts.get({ slug: "bert-ids" });
    await api.drafts.save({ slug: "bert-ids", graph: tokenizeGraph({ name: "vocab.txt", sha256: up.sha256 }), layout: {}, baseRevision: d.revision });
    const draft = await api.runs.test({ slug: "bert-ids", target: "draft", inputs: { text: "want" } });
    expect(draft).toMatchObject({ status: "ok", outputs: { ids: { data: [2, 12, 3, 0, 0, 0, 0, 0] } } });

    // The name is in use (the draft, version 1): it cannot be removed; version 1 still runs with its own file.
    await expectAppError(api.assets.delete({ slug: "bert-ids", name: "vocab.txt" }), "ASSET_IN_USE");
    expect(await api.assets.list({ slug: "bert-ids" })).toHaveLength(1);
    const v = await api.runs.test({ slug: "bert-ids", target: 1, inputs: { text: "want" } });
    expect(v, JSON.stringify(v)).toMatchObject({ status: "ok", outputs: { ids: { data: [2, 4, 3, 0, 0, 0, 0, 0] } } });
  });

  it("reports a reference to a file the database does not hold at compile time", async () => {
    const api = await editor.api();
    const d = await api.drafts.get({ slug: "bert-ids" });
    await api.drafts.save({ slug: "bert-ids", graph: tokenizeGraph({ name: "vocab.txt", sha256: "f".repeat(64) }), layout: {}, baseRevision: d.revision });
    const r = await api.runs.test({ slug: "bert-ids", target: "draft", inputs: { text: "want" } });
    expect(r).toMatchObject({ status: "error", error: { code: "INVALID_PIPELINE", issues: [expect.objectContaining({ code: "MISSING_ASSET", nodeId: "tok" })] } });
  });
});
