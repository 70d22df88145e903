import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { createModelRuntime, type TModelRuntime } from "@/server/services/models/model-runtime.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { TestClient } from "../helpers/clients.ts";
import { testEngine } from "../helpers/engine.ts";

interface TCard {
  features: string[];
  labels: string[];
  heldOut: { rows: Record<string, number>[]; predicted: string[]; probabilities: number[][] };
}
const card = async (name: string) => JSON.parse(await readFile(`prisma/seed/models/${name}.json`, "utf8")) as TCard;

/**
 * The seeded example pipelines, run through tRPC exactly as the editor runs them (real ONNX models in
 * the inference worker pool, real database), agree with the training script's own predictions.
 */
describe.each(BACKENDS)("example pipelines on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let runtime: TModelRuntime;
  let dataDir: string;
  let admin: TestClient;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    dataDir = await mkdtemp(path.join(tmpdir(), "inferline-examples-"));
    runtime = createModelRuntime({ db: db.prisma, env: { DATA_DIR: dataDir, MODEL_CACHE_DIR: undefined, MODEL_MAX_BYTES: 64 * 1024 * 1024, INFERENCE_WORKERS: 1 } });
    admin = new TestClient(db.prisma, testEngine(runtime.runner));
    await (await admin.api()).auth.setup({ email: "admin@example.com", name: "Admin", password: "password-admin" });
  }, 120_000);
  afterAll(async () => {
    await runtime?.close();
    await dispose?.();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("installs idempotently, with production set through the publish gate", async () => {
    const api = await admin.api();
    expect(await api.examples.install()).toEqual({ installed: ["iris-classifier", "penguins-ensemble", "ocr-ppocr-v4", "voice-activity"] });
    expect(await api.examples.install()).toEqual({ installed: [] });
    const list = await api.pipelines.list({});
    expect(list.map((p) => [p.slug, p.aliases])).toEqual(
      expect.arrayContaining([
        ["iris-classifier", [{ name: "production", version: 1 }]],
        ["penguins-ensemble", [{ name: "production", version: 1 }]],
      ]),
    );
    const audit = await api.audit.list({ slug: "iris-classifier", limit: 1 });
    expect(audit.items[0]).toMatchObject({ action: "alias.set", details: { samplesChecked: 3, samplesFailed: 0 } });
  });

  it("iris: every held-out row gets the training script's prediction, and the run is logged", async () => {
    const c = await card("iris-logreg");
    const api = await admin.api();
    for (const [i, row] of c.heldOut.rows.entries()) {
      const r = await api.runs.test({ slug: "iris-classifier", target: 1, inputs: { flower: row } });
      expect(r.status, JSON.stringify(r)).toBe("ok");
      if (r.status !== "ok") continue;
      expect(r.outputs.label).toBe(c.heldOut.predicted[i]);
      const top = r.outputs.top as { label: string; score: number }[];
      expect(top[0]!.score).toBeCloseTo(Math.max(...c.heldOut.probabilities[i]!), 5);
    }
    const last = await db.prisma.invocation.findFirstOrThrow({ where: { source: "editor" }, orderBy: { startedAt: "desc" } });
    expect(last).toMatchObject({ status: "ok", versionNumber: 1, errorCode: null });
    const trace = last.trace as { nodeId: string; status: string; durationMs: number }[];
    expect(trace.map((t) => t.nodeId)).toEqual(expect.arrayContaining(["input", "features", "scale", "model0", "topk", "label", "top"]));
    expect(trace.every((t) => t.status === "ok" && t.durationMs >= 0)).toBe(true);
    expect(last.inputs).toEqual({ flower: c.heldOut.rows.at(-1) });
  });

  it("penguins: the ensemble of two models classifies the held-out rows as well as its members", async () => {
    const c = await card("penguins-mlp");
    const api = await admin.api();
    const rows = c.heldOut.rows.slice(0, 30);
    let agree = 0;
    for (const [i, row] of rows.entries()) {
      const r = await api.runs.test({ slug: "penguins-ensemble", target: 1, inputs: { penguin: row } });
      if (r.status === "ok" && r.outputs.label === c.heldOut.predicted[i]) agree++;
    }
    expect(agree / rows.length).toBeGreaterThanOrEqual(0.95);
  });

  it("re-running unchanged inputs comes from the run cache, node by node", async () => {
    const c = await card("iris-logreg");
    const api = await admin.api();
    // A row no earlier test ran, so nothing is cached yet.
    const flower = { ...c.heldOut.rows[5]!, sepal_length_cm: c.heldOut.rows[5]!.sepal_length_cm! + 0.01 };
    const first = await api.runs.test({ slug: "iris-classifier", target: "draft", inputs: { flower } });
    const again = await api.runs.test({ slug: "iris-classifier", target: "draft", inputs: { flower } });
    expect(first.status === "ok" && again.status === "ok").toBe(true);
    expect(first.trace.some((t) => t.cached)).toBe(false);
    expect(again.trace.every((t) => t.cached)).toBe(true);
    if (first.status === "ok" && again.status === "ok") expect(again.outputs).toEqual(first.outputs);
  });

  it("a failing run is logged with its node", async () => {
    const r = await (await admin.api()).runs.test({ slug: "iris-classifier", target: "draft", inputs: { flower: { sepal_length_cm: 5 } } });
    expect(r).toMatchObject({ status: "error", error: { code: "NODE_FAILED", nodeId: "features" } });
    const row = await db.prisma.invocation.findUniqueOrThrow({ where: { id: r.invocationId } });
    expect(row).toMatchObject({ status: "error", errorNode: "features", errorCode: "NODE_FAILED", versionNumber: null });
    expect(row.draftHash).toMatch(/^sha256:/);
  });
});
