/**
 * Audio travels between nodes as a float32 tensor [channels, samples] (values in −1…1) plus its sample rate
 * as an integer port: plain tensors, so tensor nodes and models take it as it is. The WAV codec lives under
 * server/engine/runtime/ (wavefile), reached through the execution context.
 */
export interface TDecodedAudio {
  sampleRate: number;
  /** One array per channel, −1…1. */
  channels: Float32Array[];
  /** e.g. "16" (PCM), "24", "32f" (IEEE float). */
  bitDepth: string;
}

export interface TAudioCodec {
  /** Decodes a WAV file (PCM 8/16/24/32-bit, IEEE float 32/64); refuses longer than maxSeconds before decoding samples. */
  decodeWav(bytes: Uint8Array, opts: { maxSeconds: number }): TDecodedAudio;
  /** Band-limited resampling of each channel (windowed sinc with a low-pass filter). */
  resample(channels: Float32Array[], from: number, to: number): Float32Array[];
}
