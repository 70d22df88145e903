import { NodeInputError } from "../../errors.ts";
import type { TAnyTensor } from "../../values/tensor.ts";
import { tensorInput } from "../shared.ts";

/** Samples on `port` as channels: [n] is one channel, [channels, n] several. Float32 only. */
export function channelsInput(inputs: Record<string, unknown>, port: string): { channels: Float32Array[]; rank: number } {
  const t: TAnyTensor = tensorInput(inputs, port, { dtypes: ["float32"] });
  if (t.shape.length === 1) return { channels: [t.data as Float32Array], rank: 1 };
  if (t.shape.length !== 2) throw new NodeInputError(`expected samples [n] or [channels, n], got [${t.shape.join(", ")}]`, port);
  const [c, n] = t.shape as [number, number];
  const data = t.data as Float32Array;
  return { channels: Array.from({ length: c }, (_, i) => data.subarray(i * n, (i + 1) * n)), rank: 2 };
}

export function sampleRateInput(inputs: Record<string, unknown>, port: string): number {
  const r = inputs[port];
  if (typeof r !== "number" || !Number.isInteger(r) || r <= 0) throw new NodeInputError(`expected a sample rate in Hz, got ${JSON.stringify(r)}`, port);
  return r;
}
