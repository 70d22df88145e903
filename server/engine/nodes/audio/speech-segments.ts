import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { isTensor, readNumber } from "../../values/tensor.ts";

export const speechSegments = defineNode({
  type: "audio/speech-segments@v1",
  title: "Speech segments",
  category: "audio",
  description:
    "Speech timestamps from per-window speech probabilities (a VAD's output, one per `window` samples), as Silero VAD's get_speech_timestamps: speech starts at a window ≥ threshold, ends after minSilenceMs below negThreshold (threshold − 0.15), segments shorter than minSpeechMs are dropped, the rest padded by speechPadMs (never into a neighbour). Each segment gives start/end in seconds and in samples.",
  params: z.object({
    sampleRate: z.int().min(1000).max(384_000).default(16_000),
    window: z.int().min(1).max(1 << 20).default(512).meta({ description: "Samples per probability" }),
    threshold: z.number().min(0).max(1).default(0.5),
    negThreshold: z.number().min(0).max(1).optional(),
    minSpeechMs: z.number().min(0).default(250),
    minSilenceMs: z.number().min(0).default(100),
    speechPadMs: z.number().min(0).default(30),
    decimals: z.int().min(0).max(6).default(3).meta({ description: "Rounding of the seconds" }),
  }),
  ports: {
    inputs: {
      probabilities: { kind: kinds.any(), description: "A list of numbers or one-element tensors, or a tensor of probabilities" },
      samples: { kind: kinds.tensor("float32"), optional: true, description: "The audio, for its length (else windows × window)" },
    },
    outputs: { segments: kinds.list(kinds.json()), count: kinds.integer() },
  },
  execute(inputs, p) {
    const raw = inputs.probabilities;
    const probs: number[] = isTensor(raw)
      ? Array.from({ length: raw.data.length }, (_, i) => readNumber(raw, i))
      : Array.isArray(raw)
        ? raw.map((v, i) => {
            const x = isTensor(v) && v.data.length === 1 ? readNumber(v, 0) : v;
            if (typeof x !== "number") throw new NodeInputError(`item ${i} is not a probability`, "probabilities");
            return x;
          })
        : (() => {
            throw new NodeInputError("expected a list or tensor of probabilities", "probabilities");
          })();
    const total = isTensor(inputs.samples) ? inputs.samples.data.length : probs.length * p.window;
    const sr = p.sampleRate;
    const minSpeech = (sr * p.minSpeechMs) / 1000;
    const minSilence = (sr * p.minSilenceMs) / 1000;
    const pad = (sr * p.speechPadMs) / 1000;
    const neg = p.negThreshold ?? Math.max(p.threshold - 0.15, 0.01);
    const speeches: { start: number; end: number }[] = [];
    let triggered = false;
    let tempEnd = 0;
    let start = 0;
    probs.forEach((prob, k) => {
      const cur = k * p.window;
      if (prob >= p.threshold && tempEnd) tempEnd = 0;
      if (prob >= p.threshold && !triggered) {
        triggered = true;
        start = cur;
        return;
      }
      if (prob < neg && triggered) {
        if (!tempEnd) tempEnd = cur;
        if (cur - tempEnd < minSilence) return;
        if (tempEnd - start >= minSpeech) speeches.push({ start, end: tempEnd });
        triggered = false;
        tempEnd = 0;
      }
    });
    if (triggered && total - start >= minSpeech) speeches.push({ start, end: total });
    // In place and in order, as the reference does: a segment is padded against its neighbour's padded end.
    const padded = speeches;
    padded.forEach((s, i) => {
      const prevEnd = i === 0 ? 0 : padded[i - 1]!.end;
      const nextStart = i === padded.length - 1 ? total : padded[i + 1]!.start;
      s.start = Math.max(0, Math.floor(Math.max(s.start - pad, prevEnd)));
      s.end = Math.min(total, Math.floor(Math.min(s.end + pad, nextStart)));
    });
    const sec = (n: number) => +(n / sr).toFixed(p.decimals);
    const segments = padded.map((s) => ({ start: sec(s.start), end: sec(s.end), startSample: s.start, endSample: s.end }));
    return { segments, count: segments.length };
  },
});
