import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { makeTensor } from "../../values/tensor.ts";
import { channelsInput } from "./shared-audio.ts";

export const mono = defineNode({
  type: "audio/mono@v1",
  title: "Mix to mono",
  category: "audio",
  description: "One channel from [channels, n] samples: the mean of the channels (as librosa/torchaudio downmix), or one chosen channel. Output [1, n], or [n] without keepChannelDim.",
  params: z.object({
    channel: z.int().min(0).max(63).optional().meta({ description: "Take this channel instead of the mean" }),
    keepChannelDim: z.boolean().default(true),
  }),
  ports: (p) => ({ inputs: { samples: { kind: kinds.tensor("float32") } }, outputs: { samples: kinds.tensor("float32", p.keepChannelDim ? [1, "samples"] : ["samples"]) } }),
  execute(inputs, p) {
    const { channels } = channelsInput(inputs, "samples");
    const n = channels[0]!.length;
    let out: Float32Array;
    if (p.channel !== undefined) {
      const c = channels[p.channel];
      if (!c) throw new NodeInputError(`channel ${p.channel} does not exist (${channels.length} channels)`, "samples");
      out = new Float32Array(c);
    } else {
      out = new Float32Array(n);
      for (const c of channels) for (let i = 0; i < n; i++) out[i]! += c[i]!;
      for (let i = 0; i < n; i++) out[i]! /= channels.length;
    }
    return { samples: makeTensor("float32", p.keepChannelDim ? [1, n] : [n], out) };
  },
});
