import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { expectAppError, TestClient } from "../helpers/clients.ts";
import { uploadModel } from "@/server/services/models/upload-model.ts";

describe.each(BACKENDS)("a model used only inside a per-element sub-graph, on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let dir: string;
  let admin: TestClient;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    dir = await mkdtemp(path.join(tmpdir(), "inferline-subgraph-"));
    admin = new TestClient(db.prisma);
    await (await admin.api()).auth.setup({ email: "admin@example.com", name: "A", password: "password-admin" });
  });
  afterAll(async () => {
    await dispose?.();
    await rm(dir, { recursive: true, force: true });
  });

  it("cannot be deleted while a committed version's list/map sub-graph uses it", async () => {
    const actor = (await (await admin.api()).auth.me())!;
    await uploadModel({ db: db.prisma, actor }, { cacheDir: dir, maxBytes: 1 << 20 }, { name: "inner-model", body: createReadStream("prisma/seed/models/iris-logreg.onnx") });
    const api = await admin.api();
    await api.pipelines.create({ slug: "nested", name: "Nested" });
    const d = await api.drafts.get({ slug: "nested" });
    const graph = {
      schemaVersion: 1,
      nodes: [{ id: "map", type: "list/map@v1", params: { item: "x", graph: { schemaVersion: 1, nodes: [{ id: "m", type: "model/onnx@v1", params: { model: "inner-model", version: 1 } }], edges: [] } } }],
      edges: [],
    };
    await api.drafts.save({ slug: "nested", graph, layout: {}, baseRevision: d.revision });
    await api.versions.commit({ slug: "nested", message: "uses the model inside a map" });
    const err = await expectAppError(api.models.delete({ name: "inner-model" }), "MODEL_IN_USE");
    expect(err.message).toContain("nested");
    expect(await db.prisma.model.count({ where: { name: "inner-model" } })).toBe(1);
  });
});
