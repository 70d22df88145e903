/**
 * The example models committed under prisma/seed/models (made by scripts/train-examples.ts) load in ONNX Runtime
 * and, fed the held-out rows scaled with the recorded training-set scaler, reproduce the recorded predictions,
 * probabilities and accuracy.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const DIR = new URL("../../prisma/seed/models/", import.meta.url);
const MODELS = [
  { name: "iris-logreg", dataset: "iris", minAccuracy: 0.9 },
  { name: "penguins-logreg", dataset: "penguins", minAccuracy: 0.9 },
  { name: "penguins-mlp", dataset: "penguins", minAccuracy: 0.9 },
] as const;

interface ModelRecord {
  name: string;
  dataset: string;
  source: string;
  licence: { package: string; data: string; attribution: string };
  features: string[];
  labels: string[];
  model: { file: string; sha256: string; irVersion: number; opset: number; producer: string };
  scaler: { mean: number[]; std: number[] };
  accuracy: { train: number; heldOut: number };
  heldOut: { rows: Record<string, number>[]; expected: string[]; predicted: string[]; probabilities: number[][] };
}

async function loadRecord(name: string): Promise<ModelRecord> {
  return JSON.parse(await readFile(new URL(`${name}.json`, DIR), "utf8")) as ModelRecord;
}

/** Raw records → standardised float32 [n, d], as the pipeline's tabular/standard-scale node does. */
function scale(rec: ModelRecord, rows: readonly Record<string, number>[]): Float32Array {
  const d = rec.features.length;
  const out = new Float32Array(rows.length * d);
  rows.forEach((row, i) => {
    rec.features.forEach((f, j) => {
      const v = row[f];
      if (typeof v !== "number") throw new Error(`row ${i} lacks ${f}`);
      out[i * d + j] = (v - (rec.scaler.mean[j] ?? NaN)) / (rec.scaler.std[j] ?? NaN);
    });
  });
  return out;
}

function argmaxLabels(probs: Float32Array, k: number, labels: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < probs.length / k; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((probs[i * k + c] ?? -Infinity) > (probs[i * k + best] ?? -Infinity)) best = c;
    out.push(labels[best] ?? "?");
  }
  return out;
}

/** Top-level fields of a protobuf message: varints as bigint, length-delimited ones as bytes. */
function protoFields(buf: Uint8Array): { field: number; value: bigint | Uint8Array }[] {
  const fields: { field: number; value: bigint | Uint8Array }[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[pos++];
      if (b === undefined) throw new Error("truncated varint");
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) fields.push({ field, value: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      fields.push({ field, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 5) pos += 4;
    else if (wire === 1) pos += 8;
    else throw new Error(`unexpected wire type ${wire}`);
  }
  if (pos !== buf.length) throw new Error("message overruns its buffer");
  return fields;
}

async function predict(session: ort.InferenceSession, x: Float32Array, n: number, d: number): Promise<ort.Tensor> {
  const out = await session.run({ features: new ort.Tensor("float32", x, [n, d]) });
  const probs = out.probabilities;
  if (!probs) throw new Error("no probabilities output");
  return probs;
}

describe.each(MODELS)("example model $name", ({ name, dataset, minAccuracy }) => {
  let rec: ModelRecord;
  let bytes: Uint8Array;
  let session: ort.InferenceSession;

  beforeAll(async () => {
    rec = await loadRecord(name);
    bytes = new Uint8Array(await readFile(new URL(`${name}.onnx`, DIR)));
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  });
  afterAll(async () => {
    await session?.release();
  });

  it("has a consistent record: file hash, provenance, labels, held-out rows", () => {
    expect(rec.name).toBe(name);
    expect(rec.dataset).toBe(dataset);
    expect(rec.model.file).toBe(`${name}.onnx`);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(rec.model.sha256);
    expect(rec.source).toMatch(/^[a-z0-9-]+@\d+\.\d+\.\d+$/);
    expect(rec.licence.data).toBeTruthy();
    expect(rec.licence.package).toBeTruthy();
    const d = rec.features.length;
    expect(rec.scaler.mean).toHaveLength(d);
    expect(rec.scaler.std).toHaveLength(d);
    for (const s of rec.scaler.std) expect(s).toBeGreaterThan(0);
    const n = rec.heldOut.rows.length;
    expect(n).toBeGreaterThan(0);
    expect(rec.heldOut.expected).toHaveLength(n);
    expect(rec.heldOut.predicted).toHaveLength(n);
    expect(rec.heldOut.probabilities).toHaveLength(n);
    for (const row of rec.heldOut.rows) expect(Object.keys(row)).toEqual(rec.features);
    for (const label of [...rec.heldOut.expected, ...rec.heldOut.predicted]) expect(rec.labels).toContain(label);
  });

  it("is an ONNX IR 8 / opset 17 model from inferline-train-examples", () => {
    const top = protoFields(bytes);
    expect(top.find((f) => f.field === 1)?.value).toBe(8n); // ir_version
    const producer = top.find((f) => f.field === 2)?.value;
    expect(producer instanceof Uint8Array && new TextDecoder().decode(producer)).toBe("inferline-train-examples");
    const opsets = top.filter((f) => f.field === 8).map((f) => protoFields(f.value as Uint8Array));
    expect(opsets).toHaveLength(1);
    expect(opsets[0]?.find((f) => f.field === 1)).toBeUndefined(); // default domain
    expect(opsets[0]?.find((f) => f.field === 2)?.value).toBe(17n);
    expect(rec.model).toMatchObject({ irVersion: 8, opset: 17, producer: "inferline-train-examples" });
  });

  it("takes features [batch, n_features] and returns probabilities [batch, n_classes]", () => {
    expect(session.inputNames).toEqual(["features"]);
    expect(session.outputNames).toEqual(["probabilities"]);
    expect(session.inputMetadata[0]).toMatchObject({ isTensor: true, type: "float32", shape: ["batch", rec.features.length] });
    expect(session.outputMetadata[0]).toMatchObject({ isTensor: true, type: "float32", shape: ["batch", rec.labels.length] });
  });

  it("reproduces the recorded held-out predictions, probabilities and accuracy", async () => {
    const n = rec.heldOut.rows.length;
    const d = rec.features.length;
    const k = rec.labels.length;
    const probs = await predict(session, scale(rec, rec.heldOut.rows), n, d);
    expect(probs.dims).toEqual([n, k]);
    const data = probs.data as Float32Array;

    const predicted = argmaxLabels(data, k, rec.labels);
    expect(predicted).toEqual(rec.heldOut.predicted);
    for (let i = 0; i < n; i++) {
      const row = Array.from(data.subarray(i * k, (i + 1) * k));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      row.forEach((p, c) => expect(Math.abs(p - (rec.heldOut.probabilities[i]?.[c] ?? NaN))).toBeLessThanOrEqual(1e-5));
    }

    const correct = predicted.filter((p, i) => p === rec.heldOut.expected[i]).length;
    expect(correct / n).toBe(rec.accuracy.heldOut);
    expect(rec.accuracy.heldOut).toBeGreaterThanOrEqual(minAccuracy);
  });

  it("gives the same answer one row at a time (symbolic batch dimension)", async () => {
    const d = rec.features.length;
    const rows = rec.heldOut.rows.slice(0, 5);
    const batched = (await predict(session, scale(rec, rows), rows.length, d)).data as Float32Array;
    for (const [i, row] of rows.entries()) {
      const single = (await predict(session, scale(rec, [row]), 1, d)).data as Float32Array;
      const k = rec.labels.length;
      Array.from(single).forEach((p, c) => expect(p).toBeCloseTo(batched[i * k + c] ?? NaN, 6));
    }
  });
});

describe("penguins ensemble members", () => {
  it("share features, labels, scaler and held-out rows, so one scaling node can feed both", async () => {
    const [a, b] = await Promise.all([loadRecord("penguins-logreg"), loadRecord("penguins-mlp")]);
    expect(b.features).toEqual(a.features);
    expect(b.labels).toEqual(a.labels);
    expect(b.scaler).toEqual(a.scaler);
    expect(b.heldOut.rows).toEqual(a.heldOut.rows);
    expect(b.heldOut.expected).toEqual(a.heldOut.expected);
  });
});
