import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { makeTensor } from "../../values/tensor.ts";
import { channelsInput } from "./shared-audio.ts";

export const frame = defineNode({
  type: "audio/frame@v1",
  title: "Frame",
  category: "audio",
  description:
    "Cuts mono samples ([n] or [1, n]) into overlapping windows [frames, frameLength], one every `hop` samples — the chunks a VAD or keyword model takes, or the frames of an STFT. pad: none drops a last partial frame; end zero-pads it; center reflect-pads frameLength/2 on both sides (librosa's center=True). padStart puts zeros first (a frame of hop samples plus its left context is frameLength = hop + context, padStart = context). An optional Hann or Hamming window is applied to each frame.",
  params: z
    .object({
      frameLength: z.int().min(1).max(1 << 20).default(512),
      hop: z.int().min(1).max(1 << 20).default(512),
      pad: z.enum(["none", "end", "center"]).default("end"),
      window: z.enum(["none", "hann", "hamming"]).default("none"),
      padStart: z.int().min(0).max(1 << 20).default(0).meta({ description: "Zeros before the first sample (a model's left context, e.g. Silero VAD's 64)" }),
    }),
  ports: (p) => ({ inputs: { samples: { kind: kinds.tensor("float32") } }, outputs: { frames: kinds.tensor("float32", ["frames", p.frameLength]), count: kinds.integer() } }),
  execute(inputs, p) {
    const { channels } = channelsInput(inputs, "samples");
    if (channels.length !== 1) throw new NodeInputError(`expected mono samples, got ${channels.length} channels (mix to mono first)`, "samples");
    let x = channels[0]!;
    if (p.padStart > 0) {
      const padded = new Float32Array(x.length + p.padStart);
      padded.set(x, p.padStart);
      x = padded;
    }
    const L = p.frameLength;
    if (p.pad === "center") {
      const half = Math.floor(L / 2);
      if (x.length <= half) throw new NodeInputError(`center padding reflects ${half} samples; the signal has only ${x.length}`, "samples");
      const padded = new Float32Array(x.length + 2 * half);
      for (let i = 0; i < half; i++) {
        padded[half - 1 - i] = x[i + 1]!;
        padded[half + x.length + i] = x[x.length - 2 - i]!;
      }
      padded.set(x, half);
      x = padded;
    }
    const count = x.length < L ? (p.pad === "end" && x.length > 0 ? 1 : 0) : p.pad === "end" ? Math.ceil((x.length - L) / p.hop) + 1 : Math.floor((x.length - L) / p.hop) + 1;
    const w = new Float32Array(L).fill(1);
    if (p.window !== "none") {
      // Periodic windows (as scipy/torch for spectral analysis): N = frameLength in the denominator.
      const [a0, a1] = p.window === "hann" ? [0.5, 0.5] : [0.54, 0.46];
      for (let i = 0; i < L; i++) w[i] = a0 - a1 * Math.cos((2 * Math.PI * i) / L);
    }
    const out = new Float32Array(count * L);
    for (let f = 0; f < count; f++) {
      const start = f * p.hop;
      for (let i = 0; i < L && start + i < x.length; i++) out[f * L + i] = x[start + i]! * w[i]!;
    }
    return { frames: makeTensor("float32", [count, L], out), count };
  },
});
