import type { TCodecs } from "../define-node.ts";
import { createAudioCodec } from "./audio-codec.ts";
import { createImageCodec } from "./image-codec.ts";

/** The codecs of this process. Stateless apart from per-value memos (weakly held), so one set is shared. */
export function createCodecs(): TCodecs {
  return { image: createImageCodec(), audio: createAudioCodec() };
}

let shared: TCodecs | undefined;
export function defaultCodecs(): TCodecs {
  shared ??= createCodecs();
  return shared;
}
