import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { openDatabase, type Database } from "@/server/db/client.ts";
import type { TGraph } from "@/server/engine/graph/schema.ts";
import { createModelRuntime, type TModelRuntime } from "@/server/services/models/model-runtime.ts";
import { uploadModel } from "@/server/services/models/upload-model.ts";
import { testEngine } from "./engine.ts";
import { startServingHarness, type TServingHarness } from "./serving-server.ts";

export interface TModelServing {
  h: TServingHarness;
  db: Database;
  runtime: TModelRuntime;
  /** Uploads model bytes as version 1 (or the next version) of `name`. */
  upload(name: string, bytes: Uint8Array): Promise<void>;
  /** Creates the pipeline, saves the graph, commits v1 and points `production` at it. */
  publish(slug: string, graph: TGraph): Promise<void>;
  /** An API key for every pipeline. */
  key(): Promise<string>;
  close(): Promise<void>;
}

/** A serving harness whose pipelines run real ONNX models (a one-worker inference pool) on an in-memory PGlite. */
export async function startModelServing(): Promise<TModelServing> {
  const dir = await mkdtemp(path.join(tmpdir(), "inferline-model-serving-"));
  const db = await openDatabase({ kind: "pglite", dataDir: "memory://" });
  const runtime = createModelRuntime({ db: db.prisma, env: { DATA_DIR: dir, MODEL_CACHE_DIR: undefined, MODEL_MAX_BYTES: 16 << 20, INFERENCE_WORKERS: 1 } });
  const h = await startServingHarness({ db, engine: testEngine(runtime.runner), limits: { maxConcurrentRuns: 8, maxQueued: 64 } });
  const actor = await db.prisma.user.findUniqueOrThrow({ where: { email: "admin@example.com" }, select: { id: true, email: true, name: true, role: true } });
  return {
    h,
    db,
    runtime,
    async upload(name, bytes) {
      await uploadModel({ db: db.prisma, actor }, runtime.files, { name, body: Readable.from([Buffer.from(bytes)]) });
    },
    async publish(slug, graph) {
      const api = await h.admin.api();
      await api.pipelines.create({ slug, name: slug });
      const d = await api.drafts.get({ slug });
      await api.drafts.save({ slug, graph, layout: {}, baseRevision: d.revision });
      await api.versions.commit({ slug, message: "v1" });
      await api.aliases.set({ slug, alias: "production", version: 1 });
    },
    async key() {
      return (await (await h.admin.api()).apiKeys.create({ name: `key-${Date.now()}`, pipelines: [] })).key;
    },
    async close() {
      await h.close();
      await runtime.close();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
