import type { TCodecs } from "../define-node.ts";
import { createImageCodec } from "./image-codec.ts";

/** The codecs of this process. Stateless apart from per-value memos (weakly held), so one set is shared. */
export function createCodecs(): TCodecs {
  return { image: createImageCodec() };
}

let shared: TCodecs | undefined;
export function defaultCodecs(): TCodecs {
  shared ??= createCodecs();
  return shared;
}
