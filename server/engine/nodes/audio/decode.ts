import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { CodedNodeError, NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { payloadBytes } from "../../values/bytes.ts";
import { makeTensor } from "../../values/tensor.ts";
import { withPort } from "../shared.ts";

export const decode = defineNode({
  type: "audio/decode@v1",
  title: "Decode WAV",
  category: "audio",
  description:
    "Reads a WAV file (from a pipeline input: base64, a data URL or a file upload): PCM 8/16/24/32-bit or 32/64-bit float, any channel count, into float32 samples [channels, n] in −1…1 and the sample rate. Files longer than maxSeconds are refused before their samples are decoded; expectSampleRate fails a file at another rate with SAMPLE_RATE_MISMATCH (use Resample to accept any rate).",
  params: z.object({
    maxSeconds: z.number().positive().max(24 * 3600).default(600),
    expectSampleRate: z.int().min(1).max(768_000).optional().meta({ description: "Refuse other rates instead of resampling" }),
  }),
  ports: { inputs: { audio: { kind: kinds.any(), description: "WAV bytes, base64 or a data URL" } }, outputs: { samples: kinds.tensor("float32", ["channels", "samples"]), sampleRate: kinds.integer(), seconds: kinds.number() } },
  execute(inputs, p, ctx) {
    let bytes: Uint8Array;
    try {
      bytes = payloadBytes(inputs.audio, "a WAV file");
    } catch (e) {
      throw new NodeInputError((e as Error).message, "audio");
    }
    const audio = withPort("audio", () => ctx.codecs.audio.decodeWav(bytes, { maxSeconds: p.maxSeconds }));
    if (p.expectSampleRate !== undefined && audio.sampleRate !== p.expectSampleRate) {
      throw new CodedNodeError("SAMPLE_RATE_MISMATCH", `the audio is sampled at ${audio.sampleRate} Hz, the pipeline expects ${p.expectSampleRate} Hz`, "audio");
    }
    const n = audio.channels[0]!.length;
    const data = new Float32Array(audio.channels.length * n);
    audio.channels.forEach((c, i) => data.set(c, i * n));
    return { samples: makeTensor("float32", [audio.channels.length, n], data), sampleRate: audio.sampleRate, seconds: n / audio.sampleRate };
  },
});
