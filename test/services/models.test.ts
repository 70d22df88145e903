import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { fromNumbers, toNumbers } from "@/server/engine/values/tensor.ts";
import { AppError } from "@/server/errors.ts";
import type { TActorDeps } from "@/server/services/context.ts";
import { CHUNK_BYTES, createModelCache, type TModelFilesConfig } from "@/server/services/models/model-files.ts";
import { createModelRuntime } from "@/server/services/models/model-runtime.ts";
import { uploadModel } from "@/server/services/models/upload-model.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { expectAppError, TestClient } from "../helpers/clients.ts";
import { buildModel, externalDataModel, int4OutputModel, linearExpected, linearModel, ONNX_TYPE } from "../helpers/onnx-builder.ts";

const ADMIN = { email: "ada@example.com", name: "Ada", password: "correct horse battery" };
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** The body as an HTTP request would deliver it: in pieces. */
async function* stream(bytes: Uint8Array, piece = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, i + piece);
}

/** A valid model of about `mb` MiB: y = x + C with C a big float32 initializer, so it spans several chunks. */
function bigModel(mb: number): Uint8Array {
  const n = Math.floor((mb * 1024 * 1024) / 4);
  const c = new Float32Array(n).map((_, i) => i % 97);
  return buildModel({
    graph: {
      initializers: [{ name: "C", dataType: ONNX_TYPE.FLOAT, dims: [n], raw: new Uint8Array(c.buffer) }],
      nodes: [{ op: "Add", inputs: ["x", "C"], outputs: ["y"] }],
      inputs: [{ name: "x", elemType: ONNX_TYPE.FLOAT, shape: [n] }],
      outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT, shape: [n] }],
    },
  });
}

describe.each(BACKENDS)("model registry on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let editor: TestClient;
  let viewer: TestClient;
  let editorDeps: TActorDeps;
  let viewerDeps: TActorDeps;
  let files: TModelFilesConfig;

  const counts = async () => ({
    models: await db.prisma.model.count(),
    versions: await db.prisma.modelVersion.count(),
    blobs: await db.prisma.modelBlob.count(),
    chunks: await db.prisma.modelBlobChunk.count(),
  });
  const upload = (name: string, bytes: Uint8Array, deps = editorDeps, cfg = files) => uploadModel(deps, cfg, { name, body: stream(bytes) });
  const leftovers = async () => (await readdir(path.join(files.cacheDir, "tmp")).catch(() => [])).length;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    const admin = new TestClient(db.prisma);
    await (await admin.api()).auth.setup(ADMIN);
    for (const [role, email] of [["editor", "ed@example.com"], ["viewer", "vi@example.com"]] as const) {
      await (await admin.api()).users.create({ email, name: role, password: "password-123", role });
    }
    editor = new TestClient(db.prisma);
    await (await editor.api()).auth.signIn({ email: "ed@example.com", password: "password-123" });
    viewer = new TestClient(db.prisma);
    await (await viewer.api()).auth.signIn({ email: "vi@example.com", password: "password-123" });
    const actor = async (email: string) => db.prisma.user.findUniqueOrThrow({ where: { email }, select: { id: true, email: true, name: true, role: true } });
    editorDeps = { db: db.prisma, actor: await actor("ed@example.com") };
    viewerDeps = { db: db.prisma, actor: await actor("vi@example.com") };
    files = { cacheDir: await mkdtemp(path.join(tmpdir(), "inferline-models-")), maxBytes: 64 * 1024 };
  });
  afterAll(async () => {
    await dispose?.();
    if (files) await rm(files.cacheDir, { recursive: true, force: true });
  });

  it("uploads a model: signature read in isolation, bytes stored by hash, version 1, cache warmed", async () => {
    const bytes = linearModel({ producer: "pytorch" });
    const r = await upload("linear", bytes);
    expect(r).toMatchObject({ created: true, name: "linear", version: { number: 1, sha256: sha256(bytes), sizeBytes: bytes.length, labels: null } });
    expect(r.version.metadata).toEqual({
      inputs: [
        { name: "x", dtype: "float32", shape: ["batch", 4] },
        { name: "ids", dtype: "int64", shape: ["batch"] },
      ],
      outputs: [
        { name: "y", dtype: "float32", shape: ["batch", 2] },
        { name: "ids_out", dtype: "int64", shape: ["batch"] },
      ],
      opset: 17,
      producer: "pytorch",
      irVersion: 8,
    });
    expect(await counts()).toEqual({ models: 1, versions: 1, blobs: 1, chunks: 1 });
    expect(new Uint8Array(await readFile(path.join(files.cacheDir, `${sha256(bytes)}.onnx`)))).toEqual(bytes);
    expect(await leftovers()).toBe(0);

    const got = await (await viewer.api()).models.get({ name: "linear" });
    expect(got.versions).toHaveLength(1);
    expect(got.versions[0]).toMatchObject({ number: 1, sha256: sha256(bytes), createdBy: "ed@example.com" });
    const list = await (await viewer.api()).models.list();
    expect(list.map((m) => [m.name, m.versionCount, m.latest?.number])).toEqual([["linear", 1, 1]]);
    const audit = await db.prisma.auditLog.findFirst({ where: { action: "model.upload" }, select: { actorEmail: true, details: true } });
    expect(audit).toMatchObject({ actorEmail: "ed@example.com", details: { model: "linear", version: 1 } });
  });

  it("deduplicates: same bytes under the same name return the existing version; under another name they are stored once", async () => {
    const bytes = linearModel({ producer: "pytorch" });
    const again = await upload("linear", bytes);
    expect(again).toMatchObject({ created: false, version: { number: 1 } });
    expect(await counts()).toEqual({ models: 1, versions: 1, blobs: 1, chunks: 1 });

    const other = await upload("linear-copy", bytes);
    expect(other).toMatchObject({ created: true, name: "linear-copy", version: { number: 1, sha256: sha256(bytes) } });
    expect(await counts()).toEqual({ models: 2, versions: 2, blobs: 1, chunks: 1 });

    const v2 = await upload("linear", linearModel({ producer: "retrained" }));
    expect(v2).toMatchObject({ created: true, version: { number: 2, metadata: { producer: "retrained" } } });
    expect(await counts()).toEqual({ models: 2, versions: 3, blobs: 2, chunks: 2 });
  });

  it("gives concurrent uploads consecutive numbers, and concurrent identical uploads one version", async () => {
    const distinct = await Promise.all(["a", "b", "c"].map((p) => upload("racing", linearModel({ producer: p }))));
    expect(distinct.map((r) => r.version.number).sort()).toEqual([1, 2, 3]);
    const same = await Promise.all(Array.from({ length: 3 }, () => upload("twins", linearModel({ producer: "twin" }))));
    expect(same.map((r) => r.version.number)).toEqual([1, 1, 1]);
    expect(same.filter((r) => r.created)).toHaveLength(1);
    expect((await (await editor.api()).models.get({ name: "twins" })).versions).toHaveLength(1);
  });

  it("refuses garbage, truncated, external-data and int4 models with their codes, storing nothing", async () => {
    const before = await counts();
    const good = linearModel();
    const cases: [string, Uint8Array, string][] = [
      ["garbage", Uint8Array.from({ length: 3000 }, (_, i) => (i * 31 + 7) % 256), "MODEL_INVALID"],
      ["truncated", good.subarray(0, good.length - 25), "MODEL_INVALID"],
      ["empty", new Uint8Array(), "MODEL_INVALID"],
      ["external", externalDataModel(), "MODEL_EXTERNAL_DATA"],
      ["int4", int4OutputModel(), "MODEL_UNSUPPORTED_TYPE"],
    ];
    for (const [name, bytes, code] of cases) {
      const e = await upload(name, bytes).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e, name).toBeInstanceOf(AppError);
      expect((e as AppError).code, `${name}: ${(e as AppError).message}`).toBe(code);
    }
    expect(await counts()).toEqual(before);
    expect(await db.prisma.model.findMany({ where: { name: { in: cases.map((c) => c[0]) } } })).toEqual([]);
    expect(await leftovers()).toBe(0);
  });

  it("refuses a file over the size limit while streaming it (MODEL_TOO_LARGE), storing nothing", async () => {
    const before = await counts();
    const big = bigModel(0.1); // ~100 KiB > 64 KiB
    const e = await upload("too-big", big).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: "MODEL_TOO_LARGE", details: { maxBytes: 64 * 1024 } });
    expect(await counts()).toEqual(before);
    expect(await leftovers()).toBe(0);
  });

  it("checks roles and names: viewers read but cannot upload, label or delete; bad names are refused", async () => {
    await expect(upload("by-viewer", linearModel(), viewerDeps)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await db.prisma.model.count({ where: { name: "by-viewer" } })).toBe(0);
    for (const name of ["", "Upper", "has space", "-lead", "trail.", "../etc/passwd", "x".repeat(65)]) {
      await expect(upload(name, linearModel()), name).rejects.toMatchObject({ code: "INVALID_INPUT" });
    }
    const v = await viewer.api();
    await expectAppError(v.models.setLabels({ name: "linear", version: 1, labels: ["a", "b"] }), "FORBIDDEN");
    await expectAppError(v.models.delete({ name: "linear-copy" }), "FORBIDDEN");
    await expectAppError(v.models.get({ name: "nope" }), "NOT_FOUND");
  });

  it("sets and clears labels on a version (the only mutable part)", async () => {
    const api = await editor.api();
    await api.models.setLabels({ name: "linear", version: 2, labels: ["setosa", "versicolor"] });
    const got = await api.models.get({ name: "linear" });
    expect(got.versions.map((v) => [v.number, v.labels])).toEqual([
      [2, ["setosa", "versicolor"]],
      [1, null],
    ]);
    await api.models.setLabels({ name: "linear", version: 2, labels: null });
    expect((await api.models.get({ name: "linear" })).versions[0]!.labels).toBeNull();
    await expectAppError(api.models.setLabels({ name: "linear", version: 9, labels: [] }), "NOT_FOUND");
  });

  it("refuses to delete a model a committed pipeline version uses, then deletes it and frees unshared bytes", async () => {
    const api = await editor.api();
    await api.pipelines.create({ slug: "uses-linear", name: "Uses linear" });
    const d = await api.drafts.get({ slug: "uses-linear" });
    const graph = {
      schemaVersion: 1,
      nodes: [{ id: "m", type: "model/onnx@v1", params: { model: "linear", version: 2 } }],
      edges: [],
      inputs: [],
      outputs: [],
    };
    await api.drafts.save({ slug: "uses-linear", graph, layout: {}, baseRevision: d.revision });
    await api.versions.commit({ slug: "uses-linear", message: "with a model" });

    const e = await expectAppError(api.models.delete({ name: "linear" }), "MODEL_IN_USE");
    expect(e.message).toContain("uses-linear v1");
    expect((e.cause as AppError).details).toMatchObject({ usedBy: [{ slug: "uses-linear", version: 1 }] });
    expect(await db.prisma.model.count({ where: { name: "linear" } })).toBe(1);

    // linear-copy shares its bytes with linear v1: deleting it removes the model, not the blob.
    const before = await counts();
    expect(await api.models.delete({ name: "linear-copy" })).toEqual({ name: "linear-copy", deletedVersions: 1, freedBlobs: 0 });
    expect(await counts()).toEqual({ ...before, models: before.models - 1, versions: before.versions - 1 });
    // twins has its own bytes: they go with it.
    expect(await api.models.delete({ name: "twins" })).toEqual({ name: "twins", deletedVersions: 1, freedBlobs: 1 });
    expect((await counts()).blobs).toBe(before.blobs - 1);
    await expectAppError(api.models.delete({ name: "twins" }), "NOT_FOUND");
  });

  it("materialises multi-chunk models from the database, verifies them, and runs them in the pool", async () => {
    const cfg = { ...files, maxBytes: 32 * 1024 * 1024 };
    const bytes = bigModel(9); // 3 chunks of 4 MiB
    const r = await upload("big", bytes, editorDeps, cfg);
    expect(await db.prisma.modelBlobChunk.count({ where: { sha256: r.version.sha256 } })).toBe(Math.ceil(bytes.length / CHUNK_BYTES));

    // A fresh replica: empty cache directory, same database.
    const replicaDir = await mkdtemp(path.join(tmpdir(), "inferline-replica-"));
    try {
      const runtime = createModelRuntime({ db: db.prisma, env: { DATA_DIR: replicaDir, MODEL_CACHE_DIR: undefined, MODEL_MAX_BYTES: cfg.maxBytes, INFERENCE_WORKERS: 1 } });
      try {
        const [p1, p2] = await Promise.all([runtime.resolveModelPath(r.version.sha256), runtime.resolveModelPath(r.version.sha256)]);
        expect(p1).toBe(path.join(replicaDir, "models", `${r.version.sha256}.onnx`));
        expect(p2).toBe(p1);
        expect(sha256(await readFile(p1))).toBe(r.version.sha256);

        const n = (r.version.metadata.inputs[0]!.shape as number[])[0]!;
        const out = await runtime.pool.run(r.version.sha256, { x: fromNumbers("float32", [n], new Float32Array(n).fill(0.5)) });
        const y = toNumbers(out.y!);
        expect([y[0], y[1], y[96], y[97], y[n - 1]]).toEqual([0.5, 1.5, 96.5, 0.5, ((n - 1) % 97) + 0.5]);

        const small = await upload("small", linearModel({ producer: "small" }));
        const feeds = { x: fromNumbers("float32", [1, 4], [1, 2, 3, 4]), ids: fromNumbers("int64", [1], [5]) };
        for (let i = 0; i < 3; i++) expect(toNumbers((await runtime.pool.run(small.version.sha256, feeds)).y!)).toEqual(linearExpected([1, 2, 3, 4]));
        expect(runtime.pool.stats()).toMatchObject({ sessionMisses: 2, sessionHits: 2 });
        await expect(runtime.resolveModelPath("0".repeat(64))).rejects.toMatchObject({ code: "NOT_FOUND" });
        await expect(runtime.resolveModelPath("../../etc/passwd")).rejects.toMatchObject({ code: "INVALID_INPUT" });
      } finally {
        await runtime.close();
      }

      // Corrupt bytes in the database are caught before ORT sees them, and leave no file behind.
      const tampered = createModelCache({ db: db.prisma, cacheDir: path.join(replicaDir, "tampered") });
      await db.prisma.modelBlobChunk.update({ where: { sha256_index: { sha256: r.version.sha256, index: 1 } }, data: { data: new Uint8Array(CHUNK_BYTES) } });
      await expect(tampered.resolveModelPath(r.version.sha256)).rejects.toMatchObject({ code: "INTERNAL" });
      expect(await readdir(path.join(replicaDir, "tampered")).then((x) => x.filter((f) => f.endsWith(".onnx")))).toEqual([]);

      // Deleting the model frees its bytes; prune() then drops the stale cache file.
      await (await editor.api()).models.delete({ name: "big" });
      expect(await createModelCache({ db: db.prisma, cacheDir: path.join(replicaDir, "models") }).prune()).toBe(1);
      expect((await readdir(path.join(replicaDir, "models"))).filter((f) => f.endsWith(".onnx"))).toHaveLength(1); // "small" stays
    } finally {
      await rm(replicaDir, { recursive: true, force: true });
    }
  }, 120_000);
});
