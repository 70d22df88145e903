import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { makeTensor } from "../../values/tensor.ts";
import { channelsInput, sampleRateInput } from "./shared-audio.ts";

export const resample = defineNode({
  type: "audio/resample@v1",
  title: "Resample",
  category: "audio",
  description: "Converts samples to the rate the model was trained on (16 kHz for most speech models): windowed-sinc interpolation with an anti-aliasing low-pass filter. Samples already at the rate pass through untouched.",
  params: z.object({ rate: z.int().min(1000).max(384_000).default(16_000) }),
  ports: {
    inputs: { samples: { kind: kinds.tensor("float32") }, sampleRate: { kind: kinds.integer() } },
    outputs: { samples: kinds.tensor("float32"), sampleRate: kinds.integer() },
  },
  infer: ({ inputs }) => ({ outputs: { samples: inputs.samples?.kind === "tensor" && inputs.samples.shape ? kinds.tensor("float32", inputs.samples.shape.map((d, i, a) => (i === a.length - 1 ? "samples" : d))) : kinds.tensor("float32") } }),
  execute(inputs, p, ctx) {
    const from = sampleRateInput(inputs, "sampleRate");
    if (from === p.rate) return { samples: inputs.samples, sampleRate: from };
    const { channels, rank } = channelsInput(inputs, "samples");
    const out = ctx.codecs.audio.resample(channels, from, p.rate);
    const n = out[0]!.length;
    const data = new Float32Array(out.length * n);
    out.forEach((c, i) => data.set(c, i * n));
    return { samples: makeTensor("float32", rank === 1 ? [n] : [out.length, n], data), sampleRate: p.rate };
  },
});
