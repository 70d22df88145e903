import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { makeTensor } from "../../values/tensor.ts";
import { textKindIssues, textsInput, TEXT_KIND } from "./shared-text.ts";

const utf8 = new TextEncoder();

/** MurmurHash3 x86 32-bit of the UTF-8 bytes, as a signed int32 (scikit-learn's murmurhash3_32, seed 0). */
export function murmur3(s: string, seed = 0): number {
  const b = utf8.encode(s);
  let h = seed >>> 0;
  const n = b.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (n & 3) {
    case 3:
      k ^= b[blocks + 2]! << 16;
    // falls through
    case 2:
      k ^= b[blocks + 1]! << 8;
    // falls through
    case 1:
      k ^= b[blocks]!;
      k = Math.imul(k, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const WORD = /[\p{L}\p{N}_]+/gu;

/** scikit-learn's analyzers: word n-grams of tokens matching (?u)\b\w\w+\b; char n-grams; char_wb n-grams inside space-padded words. */
export function features(text: string, analyzer: "word" | "char" | "char_wb", [lo, hi]: [number, number]): string[] {
  const out: string[] = [];
  if (analyzer === "word") {
    const tokens = (text.match(WORD) ?? []).filter((t) => [...t].length >= 2);
    for (let n = lo; n <= hi; n++) for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(" "));
    return out;
  }
  const chars = (s: string, min: number) => {
    const c = [...s];
    for (let n = min; n <= hi; n++) for (let i = 0; i + n <= c.length; i++) out.push(c.slice(i, i + n).join(""));
  };
  const squashed = text.replace(/\s\s+/gu, " ");
  if (analyzer === "char") chars(squashed, lo);
  else
    for (const w of squashed.split(/\s+/u).filter(Boolean)) {
      const padded = ` ${w} `;
      // sklearn stops at the word's own length for short words: n-grams never longer than the padded word.
      const c = [...padded];
      for (let n = lo; n <= hi; n++) {
        for (let i = 0; i + n <= c.length; i++) out.push(c.slice(i, i + n).join(""));
        if (n >= c.length) break;
      }
    }
  return out;
}

export const hashVectorize = defineNode({
  type: "text/hash-vectorize@v1",
  title: "Hashing vectorizer",
  category: "text",
  description:
    "Text → a fixed-width float32 vector for linear models, like scikit-learn's HashingVectorizer (same hash, analyzers and defaults): word n-grams (tokens of two or more word characters) or character n-grams, hashed with MurmurHash3 into nFeatures buckets, signs alternating by hash, then L2-normalised. A string gives [1, nFeatures], a list [n, nFeatures].",
  params: z
    .object({
      nFeatures: z.int().min(1).max(1 << 24).default(1 << 20),
      analyzer: z.enum(["word", "char", "char_wb"]).default("word"),
      ngramRange: z.tuple([z.int().min(1).max(10), z.int().min(1).max(10)]).default([1, 1]),
      lowercase: z.boolean().default(true),
      alternateSign: z.boolean().default(true),
      binary: z.boolean().default(false).meta({ description: "Every touched bucket becomes 1 (before normalising)" }),
      norm: z.enum(["l2", "l1", "none"]).default("l2"),
    })
    .refine((p) => p.ngramRange[0] <= p.ngramRange[1], { message: "ngramRange is [min, max] with min ≤ max", path: ["ngramRange"] }),
  ports: (p) => ({ inputs: { text: { kind: TEXT_KIND, description: "A string or a list of strings" } }, outputs: { features: kinds.tensor("float32", ["batch", p.nFeatures]) } }),
  infer: ({ inputs }) => ({ issues: textKindIssues("text", inputs.text) }),
  execute(inputs, p) {
    const { texts } = textsInput(inputs, "text");
    const n = p.nFeatures;
    const out = new Float32Array(texts.length * n);
    texts.forEach((raw, r) => {
      const row = new Map<number, number>();
      for (const f of features(p.lowercase ? raw.toLowerCase() : raw, p.analyzer, p.ngramRange)) {
        const h = murmur3(f);
        const index = h === -2147483648 ? (2147483647 - (n - 1)) % n : Math.abs(h) % n;
        const v = p.alternateSign && h < 0 ? -1 : 1;
        row.set(index, (row.get(index) ?? 0) + v);
      }
      // scikit-learn's binary sets every touched bucket to 1, also where colliding features cancelled out.
      if (p.binary) for (const k of row.keys()) row.set(k, 1);
      const total = p.norm === "l2" ? Math.sqrt([...row.values()].reduce((a, v) => a + v * v, 0)) : p.norm === "l1" ? [...row.values()].reduce((a, v) => a + Math.abs(v), 0) : 1;
      for (const [k, v] of row) out[r * n + k] = total > 0 ? v / total : v;
    });
    return { features: makeTensor("float32", [texts.length, n], out) };
  },
});
