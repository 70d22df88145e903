// Benchmark: image preprocessing through the pipeline nodes vs calling sharp directly, in the same run.
// A 640×480 JPEG → 1×3×224×224 float32 tensor (ImageNet normalisation): the pipeline is
// input → image/decode → image/resize (stretch) → image/to-tensor → output, compiled once and executed per
// image by the engine's executor; the baseline is one hand-written sharp call plus the same normalisation
// loop. Short rounds alternate between the two, and the ratio is the median of the per-round ratios, so
// load from other processes on a shared machine (and CPU frequency, GC) hits both sides alike.
//
//   node --import tsx bench/image-preprocess.ts          BENCH_ROUNDS=200 BENCH_ITERATIONS=10
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { compile } from "../server/engine/compiler/compile.ts";
import { execute } from "../server/engine/executor/execute.ts";
import type { TGraph } from "../server/engine/graph/schema.ts";
import { registry } from "../server/engine/nodes/index.ts";
import { isTensor } from "../server/engine/values/tensor.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20);
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

// The input: the coffee photo of the test fixtures, as a 640×480 JPEG (quality 90).
const jpeg = await sharp(readFileSync(new URL("../test/fixtures/images/coffee.jpg", import.meta.url)))
  .resize(640, 480, { fit: "fill" })
  .jpeg({ quality: 90 })
  .toBuffer();

const graph: TGraph = {
  schemaVersion: 1,
  nodes: [
    { id: "in", type: "io/input@v1", params: { name: "image", kind: { kind: "image" } } },
    { id: "decode", type: "image/decode@v1", params: {} },
    { id: "resize", type: "image/resize@v1", params: { mode: "stretch", width: 224, height: 224, kernel: "linear" } },
    { id: "tensor", type: "image/to-tensor@v1", params: { layout: "NCHW", mean: MEAN, std: STD } },
    { id: "out", type: "io/output@v1", params: { name: "pixel_values" } },
  ],
  edges: [
    { id: "e1", source: { node: "in", port: "value" }, target: { node: "decode", port: "image" } },
    { id: "e2", source: { node: "decode", port: "image" }, target: { node: "resize", port: "image" } },
    { id: "e3", source: { node: "resize", port: "image" }, target: { node: "tensor", port: "image" } },
    { id: "e4", source: { node: "tensor", port: "tensor" }, target: { node: "out", port: "value" } },
  ],
};
const compiled = compile(graph, registry, { models: new Map() });
if (!compiled.plan) throw new Error(`the bench pipeline does not compile: ${JSON.stringify(compiled.issues)}`);
const plan = compiled.plan;
const models = { run: () => Promise.reject(new Error("no models")) };

async function viaPipeline(): Promise<Float32Array> {
  const r = await execute(plan, { image: jpeg }, { models });
  const t = r.outputs.pixel_values;
  if (!isTensor(t) || t.dtype !== "float32") throw new Error("no tensor");
  return t.data as Float32Array;
}

sharp.concurrency(1); // as the engine's codec runs it
async function viaSharp(): Promise<Float32Array> {
  const px = await sharp(jpeg, { autoOrient: true }).resize(224, 224, { fit: "fill", kernel: "linear" }).removeAlpha().raw().toBuffer();
  const n = 224 * 224;
  const out = new Float32Array(3 * n);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = (px[j]! / 255 - MEAN[0]!) / STD[0]!;
    out[n + i] = (px[j + 1]! / 255 - MEAN[1]!) / STD[1]!;
    out[2 * n + i] = (px[j + 2]! / 255 - MEAN[2]!) / STD[2]!;
  }
  return out;
}

// Each side runs in its own process, so neither pays for the other's garbage, JIT state or libvips cache;
// the parent alternates short rounds between them, so load from other processes hits both alike.
if (process.argv[2] === "--worker") {
  const f = process.argv[3] === "pipeline" ? viaPipeline : viaSharp;
  process.on("message", async (m: { n: number }) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < m.n; i++) await f();
    const wall = (performance.now() - t0) / m.n;
    const c = process.cpuUsage(c0);
    process.send!({ wall, cpu: (c.user + c.system) / 1000 / m.n });
  });
  process.send!({ ready: true });
} else {
  // Same answer first: the comparison is only fair if both do the same work.
  const [a, b] = [await viaPipeline(), await viaSharp()];
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
  if (a.length !== b.length || maxDiff > 1e-5) throw new Error(`outputs differ (max |Δ| = ${maxDiff})`);

  const { fork } = await import("node:child_process");
  const start = (side: string) =>
    new Promise<import("node:child_process").ChildProcess>((resolve) => {
      const child = fork(new URL(import.meta.url), ["--worker", side], { execArgv: process.execArgv });
      child.once("message", () => resolve(child));
    });
  const round = (child: import("node:child_process").ChildProcess, n: number) =>
    new Promise<{ wall: number; cpu: number }>((resolve) => {
      child.once("message", (m) => resolve(m as { wall: number; cpu: number }));
      child.send({ n });
    });
  const [sharpSide, pipelineSide] = [await start("sharp"), await start("pipeline")];
  for (let i = 0; i < 5; i++) {
    await round(sharpSide, ITERATIONS); // warm-up
    await round(pipelineSide, ITERATIONS);
  }
  const base: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  const cpu = { base: [] as number[], ours: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which side goes first.
    const first = r % 2 ? sharpSide : pipelineSide;
    const second = r % 2 ? pipelineSide : sharpSide;
    const x = await round(first, ITERATIONS);
    const y = await round(second, ITERATIONS);
    const [s, p] = r % 2 ? [x, y] : [y, x];
    base.push(s.wall);
    ours.push(p.wall);
    cpu.base.push(s.cpu);
    cpu.ours.push(p.cpu);
    ratios.push(p.wall / s.wall);
  }
  sharpSide.kill();
  pipelineSide.kill();
  const quantile = (xs: number[], q: number) => [...xs].sort((u, v) => u - v)[Math.floor((xs.length - 1) * q)]!;
  const row = (name: string, xs: number[], cs: number[]) => `| ${name} | ${quantile(xs, 0.5).toFixed(3)} | ${quantile(xs, 0.1).toFixed(3)} | ${quantile(xs, 0.9).toFixed(3)} | ${quantile(cs, 0.5).toFixed(3)} |`;
  console.log(`640×480 JPEG → float32 [1, 3, 224, 224], ${ROUNDS} alternating rounds × ${ITERATIONS} images, one process per side, sequential; max |Δ| between the two = ${maxDiff.toExponential(1)}\n`);
  console.log("| path | median ms/image | p10 | p90 | CPU ms/image (median) |\n|---|---|---|---|---|");
  console.log(row("sharp directly", base, cpu.base));
  console.log(row("pipeline nodes (decode → resize → to-tensor)", ours, cpu.ours));
  console.log(`\nratio pipeline / sharp: ${quantile(ratios, 0.5).toFixed(3)}× wall (median of per-round ratios; p10 ${quantile(ratios, 0.1).toFixed(3)}, p90 ${quantile(ratios, 0.9).toFixed(3)}), ${(quantile(cpu.ours, 0.5) / quantile(cpu.base, 0.5)).toFixed(3)}× CPU; goal ≤ 1.10×`);
}
