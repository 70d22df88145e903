import { createRequire } from "node:module";
import { CodedNodeError } from "../errors.ts";
import type { TAudioCodec, TDecodedAudio } from "../values/audio.ts";

// wavefile ships CommonJS whose named exports Node's ESM loader cannot detect: load it with require.
const { WaveFile } = createRequire(import.meta.url)("wavefile") as typeof import("wavefile");

/** wavefile's bit depth codes for what it reads: PCM integers and IEEE floats; compressed formats are refused. */
const SUPPORTED = new Set(["8", "16", "24", "32", "32f", "64"]);

interface TWaveFmt {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
}

/** The WAV codec, with wavefile (pure JS, no native code): decoding and its sinc resampler. */
export function createAudioCodec(): TAudioCodec {
  return {
    decodeWav(bytes, { maxSeconds }) {
      if (bytes.length === 0) throw new CodedNodeError("AUDIO_EMPTY", "the audio is empty (0 bytes)");
      const tag = String.fromCharCode(...bytes.subarray(0, 4));
      const wave = String.fromCharCode(...bytes.subarray(8, 12));
      if (tag !== "RIFF" && tag !== "RIFX" && tag !== "RF64") throw new CodedNodeError("AUDIO_UNSUPPORTED", `not a WAV file (it starts with ${JSON.stringify(tag)}); expected RIFF/WAVE`);
      if (wave !== "WAVE") throw new CodedNodeError("AUDIO_UNSUPPORTED", "a RIFF file, but not WAVE audio");
      // The header first (samples not read), so a too-long file is refused before its samples are decoded.
      const wav = new WaveFile();
      try {
        wav.fromBuffer(bytes, false);
      } catch (e) {
        throw new CodedNodeError("AUDIO_CORRUPT", `the WAV file could not be read: ${(e as Error).message}`);
      }
      const fmt = wav.fmt as TWaveFmt;
      const bitDepth = wav.bitDepth;
      if (!SUPPORTED.has(bitDepth)) throw new CodedNodeError("AUDIO_UNSUPPORTED", `WAV encoding ${describeFormat(fmt)} is not supported; send PCM (8, 16, 24 or 32-bit) or 32/64-bit float`);
      if (!(fmt.numChannels >= 1) || !(fmt.sampleRate > 0) || !(fmt.blockAlign > 0)) throw new CodedNodeError("AUDIO_CORRUPT", "the WAV header is invalid (no channels, rate or block size)");
      const declared = (wav.data as { chunkSize: number }).chunkSize;
      const seconds = declared / fmt.blockAlign / fmt.sampleRate;
      if (seconds > maxSeconds) throw new CodedNodeError("AUDIO_TOO_LONG", `the audio is ${seconds.toFixed(1)} s long, more than the limit of ${maxSeconds} s`);
      try {
        wav.fromBuffer(bytes, true);
      } catch (e) {
        throw new CodedNodeError("AUDIO_CORRUPT", `the WAV samples could not be read: ${(e as Error).message}`);
      }
      const dataBytes = (wav.data as { samples: Uint8Array }).samples.length;
      if (dataBytes === 0) throw new CodedNodeError("AUDIO_EMPTY", "the WAV file holds no samples");
      if (dataBytes < declared || dataBytes % fmt.blockAlign !== 0) {
        throw new CodedNodeError("AUDIO_CORRUPT", `the WAV data is ${dataBytes} bytes but its header says ${declared} in ${fmt.blockAlign}-byte frames (truncated?)`);
      }
      const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
      const perChannel = fmt.numChannels === 1 ? [raw as Float64Array] : (raw as Float64Array[]);
      const scale = bitDepth === "32f" || bitDepth === "64" ? 1 : bitDepth === "8" ? 128 : 2 ** (Number(bitDepth) - 1);
      const offset = bitDepth === "8" ? 128 : 0; // 8-bit PCM is unsigned
      const channels = perChannel.map((c) => Float32Array.from(c, (v) => (v - offset) / scale));
      return { sampleRate: fmt.sampleRate, channels, bitDepth } satisfies TDecodedAudio;
    },

    resample(channels, from, to) {
      const wav = new WaveFile();
      wav.fromScratch(channels.length, from, "32f", channels.length === 1 ? channels[0]! : channels);
      wav.toSampleRate(to, { method: "sinc", LPF: true });
      const out = wav.getSamples(false, Float32Array) as unknown as Float32Array | Float32Array[];
      return channels.length === 1 ? [out as Float32Array] : (out as Float32Array[]);
    },
  };
}

function describeFormat(fmt: TWaveFmt): string {
  const names: Record<number, string> = { 2: "MS ADPCM", 6: "A-law", 7: "µ-law", 17: "IMA ADPCM", 85: "MP3" };
  return `${names[fmt.audioFormat] ?? `format ${fmt.audioFormat}`} (${fmt.bitsPerSample} bits)`;
}
