import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { installOcrExample, ocrModelFiles } from "@/server/services/examples/ocr-example.ts";
import { createModelRuntime, type TModelRuntime } from "@/server/services/models/model-runtime.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { TestClient } from "../helpers/clients.ts";
import { testEngine } from "../helpers/engine.ts";

const available = (await ocrModelFiles()) !== null;
const upstream = JSON.parse(await readFile("test/fixtures/ocr/upstream-output.json", "utf8")) as { text: string }[];
const invoice = await readFile("test/fixtures/ocr/invoice.jpg");

/**
 * The OCR example installed like the other examples (models uploaded to the registry, the key list as an
 * asset, a sample checked by the publish gate) and run over tRPC as the editor runs it, on the real models
 * in the inference worker pool: its text is the upstream package's.
 */
describe.skipIf(!available).each(BACKENDS.slice(0, 1))("OCR example on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let runtime: TModelRuntime;
  let dataDir: string;
  let admin: TestClient;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    dataDir = await mkdtemp(path.join(tmpdir(), "inferline-ocr-"));
    runtime = createModelRuntime({ db: db.prisma, env: { DATA_DIR: dataDir, MODEL_CACHE_DIR: undefined, MODEL_MAX_BYTES: 64 * 1024 * 1024, INFERENCE_WORKERS: 1 } });
    admin = new TestClient(db.prisma, testEngine(runtime.runner, { runTimeoutMs: 60_000 }));
    await (await admin.api()).auth.setup({ email: "admin@example.com", name: "Admin", password: "password-admin" });
  }, 120_000);
  afterAll(async () => {
    await runtime?.close();
    await dispose?.();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("installs with its sample through the publish gate, and reads the invoice as upstream does", async () => {
    const user = await db.prisma.user.findFirstOrThrow({ select: { id: true, email: true, name: true, role: true } });
    const files = runtime.files;
    const expected = upstream.map((l) => l.text).join("\n");
    expect(await installOcrExample({ db: db.prisma, actor: user }, files, testEngine(runtime.runner, { runTimeoutMs: 60_000 }), { image: invoice, text: expected })).toBe(true);
    const api = await admin.api();
    expect((await api.assets.list({ slug: "ocr-ppocr-v4" })).map((a) => a.name)).toEqual(["ppocr_keys_v1.txt"]);
    const audit = await api.audit.list({ slug: "ocr-ppocr-v4", limit: 1 });
    expect(audit.items[0]).toMatchObject({ action: "alias.set", details: { samplesChecked: 1, samplesFailed: 0 } });
    const r = await api.runs.test({ slug: "ocr-ppocr-v4", target: 1, inputs: { image: `data:image/jpeg;base64,${invoice.toString("base64")}` } });
    expect(r.status, JSON.stringify(r).slice(0, 500)).toBe("ok");
    if (r.status !== "ok") return;
    expect(r.outputs.text).toBe(expected);
    expect((r.outputs.lines as { points: number[][] }[]).length).toBe(3);
    expect(r.trace.find((t) => t.nodeId === "each")).toMatchObject({ status: "ok" });
  }, 120_000);
});
