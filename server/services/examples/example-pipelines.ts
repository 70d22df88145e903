import { readFile } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TGraph, TLayout } from "../../engine/graph/schema.ts";
import { AppError } from "../../errors.ts";
import { setAlias } from "../aliases/set-alias.ts";
import type { TActorDeps } from "../context.ts";
import { saveDraft } from "../drafts/save-draft.ts";
import type { TModelFilesConfig } from "../models/model-files.ts";
import { setModelLabels } from "../models/set-model-labels.ts";
import { uploadModel } from "../models/upload-model.ts";
import { createPipeline } from "../pipelines/create-pipeline.ts";
import type { TEngineDeps } from "../runs/engine-deps.ts";
import { saveSample } from "../samples/manage-samples.ts";
import { commitVersion } from "../versions/commit-version.ts";
import { installOcrExample } from "./ocr-example.ts";
import { installVadExample } from "./vad-example.ts";

/** The models trained by scripts/train-examples.ts, shipped in the repo (never a user path). */
const MODELS_DIR = fileURLToPath(new URL("../../../prisma/seed/models/", import.meta.url));

interface TExampleModelCard {
  name: string;
  description: string;
  features: string[];
  labels: string[];
  scaler: { mean: number[]; std: number[] };
  heldOut: { rows: Record<string, number>[]; predicted: string[] };
}

async function card(name: string): Promise<TExampleModelCard> {
  return JSON.parse(await readFile(`${MODELS_DIR}${name}.json`, "utf8")) as TExampleModelCard;
}

/** record → features (training order) → standard-scale (training stats) → model(s) → top-k labels. */
function classifierGraph(input: string, c: TExampleModelCard, models: string[]): { graph: TGraph; layout: TLayout } {
  const nodes: TGraph["nodes"] = [
    { id: "input", type: "io/input@v1", label: input, params: { name: input, kind: { kind: "json" }, description: `A record with ${c.features.join(", ")}` } },
    { id: "features", type: "tabular/features@v1", params: { fields: c.features, dtype: "float32" } },
    { id: "scale", type: "tabular/standard-scale@v1", params: { mean: c.scaler.mean, std: c.scaler.std } },
    ...models.map((m, i) => ({ id: `model${i}`, type: "model/onnx@v1", label: m, params: { model: m, version: 1 } })),
    { id: "topk", type: "post/top-k@v1", params: { k: c.labels.length, labels: c.labels } },
    { id: "label", type: "io/output@v1", params: { name: "label" } },
    { id: "top", type: "io/output@v1", params: { name: "top" } },
  ];
  const edges: TGraph["edges"] = [
    { id: "e-in", source: { node: "input", port: "value" }, target: { node: "features", port: "record" } },
    { id: "e-scale", source: { node: "features", port: "features" }, target: { node: "scale", port: "x" } },
    ...models.map((_, i) => ({ id: `e-m${i}`, source: { node: "scale", port: "y" }, target: { node: `model${i}`, port: "features" } })),
    { id: "e-label", source: { node: "topk", port: "label" }, target: { node: "label", port: "value" } },
    { id: "e-top", source: { node: "topk", port: "top" }, target: { node: "top", port: "value" } },
  ];
  const layout: TLayout = { nodes: { input: { x: 0, y: 80 }, features: { x: 260, y: 80 }, scale: { x: 520, y: 80 }, topk: { x: 1300, y: 80 }, label: { x: 1560, y: 0 }, top: { x: 1560, y: 160 } } };
  models.forEach((_, i) => (layout.nodes[`model${i}`] = { x: 780, y: 80 + (i - (models.length - 1) / 2) * 160 }));
  if (models.length === 1) {
    edges.push({ id: "e-scores", source: { node: "model0", port: "probabilities" }, target: { node: "topk", port: "scores" } });
  } else {
    nodes.push({ id: "ensemble", type: "logic/ensemble@v1", params: { count: models.length, method: "mean" } });
    layout.nodes.ensemble = { x: 1040, y: 80 };
    models.forEach((_, i) => edges.push({ id: `e-ens${i}`, source: { node: `model${i}`, port: "probabilities" }, target: { node: "ensemble", port: `x${i}` } }));
    edges.push({ id: "e-scores", source: { node: "ensemble", port: "y" }, target: { node: "topk", port: "scores" } });
  }
  return { graph: { schemaVersion: 1, nodes, edges }, layout };
}

const EXAMPLES = [
  { slug: "iris-classifier", name: "Iris classifier", input: "flower", models: ["iris-logreg"], description: "Iris species from sepal and petal measurements (logistic regression)." },
  { slug: "penguins-ensemble", name: "Penguin species (ensemble)", input: "penguin", models: ["penguins-logreg", "penguins-mlp"], description: "Palmer penguin species from bill, flipper and mass: the mean of a logistic regression and a small MLP." },
] as const;

/**
 * Installs the example models and pipelines (idempotent: existing ones are left alone). Each pipeline
 * gets version 1, three held-out rows as samples whose expected label is the training script's own
 * prediction, and `production` → v1 — through the publish gate, so the samples are checked on the way.
 */
export async function installExamples(deps: TActorDeps, files: TModelFilesConfig, engine: TEngineDeps) {
  const installed: string[] = [];
  for (const ex of EXAMPLES) {
    if (await deps.db.pipeline.findUnique({ where: { slug: ex.slug }, select: { id: true } })) continue;
    const cards = await Promise.all(ex.models.map(card));
    for (const c of cards) {
      const up = await uploadModel(deps, files, { name: c.name, description: c.description, body: createReadStream(`${MODELS_DIR}${c.name}.onnx`) });
      if (up.version.number !== 1) throw new AppError("INVALID_INPUT", `Model '${c.name}' already exists with other bytes; remove it to install the examples.`);
      await setModelLabels(deps, { name: c.name, version: 1, labels: c.labels });
    }
    const first = cards[0]!;
    await createPipeline(deps, { slug: ex.slug, name: ex.name, description: ex.description });
    const { graph, layout } = classifierGraph(ex.input, first, [...ex.models]);
    await saveDraft(deps, { slug: ex.slug, graph, layout, baseRevision: 1 });
    await commitVersion(deps, { slug: ex.slug, message: "Example pipeline" });
    for (const i of [0, 1, 2]) {
      const row = first.heldOut.rows[i]!;
      await saveSample(deps, { slug: ex.slug, name: `held-out ${i + 1}`, inputs: { [ex.input]: row }, expected: { label: { value: first.heldOut.predicted[i]!, top1: true } } });
    }
    await setAlias(deps, { slug: ex.slug, alias: "production", version: 1 }, engine);
    installed.push(ex.slug);
  }
  // Image and audio examples on real models shipped by npm packages (skipped where they are not installed).
  if (await installOcrExample(deps, files, engine)) installed.push("ocr-ppocr-v4");
  if (await installVadExample(deps, files, engine)) installed.push("voice-activity");
  return { installed };
}
