/**
 * audio/* nodes on speech WAV files (test/fixtures/audio, see its README) in every supported encoding, against
 * SoX's own conversions, and on bad input: another encoding, not a WAV, truncated, too long, the wrong rate.
 */
import { describe, expect, it } from "vitest";
import { plain, tensor } from "./harness.ts";
import { fixture, runGraph, runRaw, runRawError } from "./media-harness.ts";

const wav = (name: string) => fixture(`audio/${name}`);
const decode = async (name: string | Uint8Array, params: Record<string, unknown> = {}) => runRaw("audio/decode@v1", params, { audio: typeof name === "string" ? wav(name) : name });

function snrDb(ref: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < Math.min(ref.length, x.length); i++) {
    s += ref[i]! ** 2;
    e += (ref[i]! - x[i]!) ** 2;
  }
  return 10 * Math.log10(s / e);
}

describe("audio/decode@v1", () => {
  it("decodes 16-bit PCM to exactly the floats SoX writes for it", async () => {
    const pcm = await decode("speech-16k-pcm16.wav");
    const ref = await decode("speech-16k-f32.wav");
    expect([pcm.sampleRate, plain(pcm.samples).shape]).toEqual([16000, [1, 27780]]);
    expect(pcm.seconds).toBeCloseTo(1.736, 3);
    expect(plain(pcm.samples).data).toEqual(plain(ref.samples).data);
    const peak = Math.max(...(plain(pcm.samples).data as number[]).map(Math.abs));
    expect(peak).toBeGreaterThan(0.1);
    expect(peak).toBeLessThanOrEqual(1);
  });

  it("decodes 24-bit stereo, 32-bit and unsigned 8-bit PCM into −1…1", async () => {
    const stereo = await decode("speech-44k1-stereo-pcm24.wav");
    const s = plain(stereo.samples);
    expect([stereo.sampleRate, s.shape]).toEqual([44100, [2, 22050]]);
    expect(s.data.slice(0, 22050)).toEqual(s.data.slice(22050)); // both channels carry the same speech
    for (const [name, rate] of [["speech-22k-pcm32.wav", 22050], ["speech-8k-u8.wav", 8000]] as const) {
      const out = await decode(name);
      const d = plain(out.samples).data as number[];
      expect(out.sampleRate).toBe(rate);
      expect(Math.max(...d.map(Math.abs))).toBeGreaterThan(0.1);
      expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(1);
      expect(Math.abs(d.reduce((a, b) => a + b, 0) / d.length)).toBeLessThan(0.02); // centred (unsigned 8-bit offset removed)
    }
  });

  it("refuses other encodings, non-WAV data, truncated files, long files and the wrong rate, with a coded reason", async () => {
    const err = async (audio: unknown, params: Record<string, unknown> = {}) => runRawError("audio/decode@v1", params, { audio });
    expect(await err(wav("speech-16k-alaw.wav"))).toMatchObject({ port: "audio", details: { reason: "AUDIO_UNSUPPORTED" }, message: expect.stringMatching(/A-law/) });
    expect(await err(fixture("images/coffee.jpg"))).toMatchObject({ details: { reason: "AUDIO_UNSUPPORTED" }, message: expect.stringMatching(/not a WAV file/) });
    expect(await err(new Uint8Array(0))).toMatchObject({ details: { reason: "AUDIO_EMPTY" } });
    const truncated = wav("speech-16k-pcm16.wav").subarray(0, 1001);
    expect(await err(truncated)).toMatchObject({ details: { reason: "AUDIO_CORRUPT" } });
    expect(await err(wav("speech-16k-pcm16.wav"), { maxSeconds: 1 })).toMatchObject({ details: { reason: "AUDIO_TOO_LONG" }, message: expect.stringMatching(/1\.7 s long, more than the limit of 1 s/) });
    expect(await err(wav("speech-8k-u8.wav"), { expectSampleRate: 16000 })).toMatchObject({ details: { reason: "SAMPLE_RATE_MISMATCH" }, message: expect.stringMatching(/8000 Hz, the pipeline expects 16000 Hz/) });
    expect(await err("no base64 here!")).toMatchObject({ port: "audio", message: expect.stringMatching(/not base64/) });
    // A data URL works like the bytes.
    const ok = await runRaw("audio/decode@v1", {}, { audio: `data:audio/wav;base64,${wav("speech-8k-u8.wav").toString("base64")}` });
    expect(ok.sampleRate).toBe(8000);
  });
});

describe("audio/mono@v1, audio/resample@v1, audio/frame@v1", () => {
  it("decode → mono → resample 44.1 kHz to 16 kHz agrees with SoX's resampler", async () => {
    const run = await runGraph(
      (g) => {
        const i = g.input("audio", { kind: "any" });
        const d = g.add("audio/decode@v1", {}, "decode");
        const m = g.add("audio/mono@v1", { keepChannelDim: false }, "mono");
        const r = g.add("audio/resample@v1", { rate: 16000 }, "resample");
        g.connect(i, "value", d, "audio");
        g.connect(d, "samples", m, "samples");
        g.connect(m, "samples", r, "samples");
        g.connect(d, "sampleRate", r, "sampleRate");
        g.output("samples", r, "samples");
        g.output("rate", r, "sampleRate");
      },
      { audio: wav("speech-44k1-stereo-pcm24.wav") },
    );
    expect(run.outputs.rate).toBe(16000);
    const ours = plain(run.outputs.samples).data as number[];
    const sox = plain((await decode("speech-44k1-to-16k-sox.wav")).samples).data as number[];
    expect(Math.abs(ours.length - sox.length)).toBeLessThanOrEqual(1);
    // wavefile's sinc resampler and SoX's agree to ~23 dB on speech (sub-sample timing conventions differ);
    // a one-sample shift would give < 11 dB.
    expect(snrDb(sox, ours)).toBeGreaterThan(20);
  });

  it("mixes channels by their mean or picks one; passes through samples already at the rate", async () => {
    const st = tensor("float32", [2, 3], [1, 0.5, -1, 0, 0.5, 1]);
    expect(plain((await runRaw("audio/mono@v1", {}, { samples: st })).samples)).toEqual({ dtype: "float32", shape: [1, 3], data: [0.5, 0.5, 0] });
    expect(plain((await runRaw("audio/mono@v1", { channel: 1, keepChannelDim: false }, { samples: st })).samples).data).toEqual([0, 0.5, 1]);
    await expect(runRaw("audio/mono@v1", { channel: 5 }, { samples: st })).rejects.toMatchObject({ port: "samples" });
    const same = await runRaw("audio/resample@v1", { rate: 16000 }, { samples: st, sampleRate: 16000 });
    expect(same.samples).toBe(st);
    await expect(runRaw("audio/resample@v1", {}, { samples: st, sampleRate: 0 })).rejects.toMatchObject({ port: "sampleRate" });
  });

  it("frames with a hop, pads the end or the centre, and windows", async () => {
    const x = tensor("float32", [1, 10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const end = await runRaw("audio/frame@v1", { frameLength: 4, hop: 3 }, { samples: x });
    expect(plain(end.frames)).toEqual({ dtype: "float32", shape: [3, 4], data: [0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9] });
    const none = await runRaw("audio/frame@v1", { frameLength: 4, hop: 4, pad: "none" }, { samples: x });
    expect(none.count).toBe(2);
    const ragged = await runRaw("audio/frame@v1", { frameLength: 4, hop: 4 }, { samples: x });
    expect(plain(ragged.frames).data.slice(8)).toEqual([8, 9, 0, 0]);
    const centre = await runRaw("audio/frame@v1", { frameLength: 4, hop: 2, pad: "center" }, { samples: x });
    // librosa: reflect-pad 2 on each side → [2, 1, 0, 1, …, 9, 8, 7]; frames every 2 samples.
    expect(plain(centre.frames).data.slice(0, 8)).toEqual([2, 1, 0, 1, 0, 1, 2, 3]);
    expect(centre.count).toBe(6);
    const hann = await runRaw("audio/frame@v1", { frameLength: 4, hop: 4, pad: "none", window: "hann" }, { samples: tensor("float32", [4], [1, 1, 1, 1]) });
    expect(plain(hann.frames).data.map((v) => Math.round((v as number) * 1e6) / 1e6)).toEqual([0, 0.5, 1, 0.5]);
    await expect(runRaw("audio/frame@v1", {}, { samples: tensor("float32", [2, 3], [0, 0, 0, 0, 0, 0]) })).rejects.toMatchObject({ port: "samples", message: expect.stringMatching(/mono/) });
  });

  it("frames real speech into the 512-sample chunks a 16 kHz VAD takes", async () => {
    const { samples } = await decode("speech-16k-pcm16.wav");
    const out = await runRaw("audio/frame@v1", { frameLength: 512, hop: 512, pad: "end" }, { samples });
    expect(plain(out.frames).shape).toEqual([55, 512]);
  });
});

describe("audio/speech-segments@v1", () => {
  it("opens on threshold, closes after the minimum silence, drops short bursts and pads without overlapping", async () => {
    // 512-sample windows at 16 kHz (32 ms): speech in windows 2–20 and 24–40, a 2-window burst at 50.
    const probs = Array.from({ length: 60 }, (_, k) => ((k >= 2 && k <= 20) || (k >= 24 && k <= 40) || k === 50 || k === 51 ? 0.9 : 0.05));
    const out = await runRaw("audio/speech-segments@v1", {}, { probabilities: probs });
    // A 3-window gap (96 ms) is under the 100 ms minimum silence: one segment from window 2 to 41, padded by 30 ms (480 samples).
    expect(out.segments).toEqual([{ start: 0.034, end: 1.342, startSample: 544, endSample: 21472 }]);
    const split = await runRaw("audio/speech-segments@v1", { minSilenceMs: 50 }, { probabilities: probs });
    expect((split.segments as unknown[]).length).toBe(2);
    await expect(runRaw("audio/speech-segments@v1", {}, { probabilities: ["x"] })).rejects.toMatchObject({ port: "probabilities" });
  });
});
