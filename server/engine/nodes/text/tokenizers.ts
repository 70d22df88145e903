import { Tokenizer } from "@huggingface/tokenizers";
import type { TAssetInfo } from "../../define-node.ts";
import { assetLines, cachedByHash } from "../shared.ts";

/**
 * Tokenizers built from pipeline assets with Hugging Face's tokenizers.js (the tokenizer code of
 * transformers.js): a tokenizer.json as any Hugging Face model ships it (BPE, Unigram, WordPiece, with its
 * normalizer, pre-tokenizer and post-processor), or a BERT vocab.txt, turned into the tokenizer.json
 * bert-base-uncased has. Runs offline: nothing is fetched.
 */
export type TTokenizerFormat = "auto" | "tokenizer-json" | "vocab-txt";

export interface TTokenizerOptions {
  format: TTokenizerFormat;
  /** vocab.txt only: BERT's do_lower_case (lowercase and strip accents). */
  lowercase: boolean;
}

const cache = new Map<string, Tokenizer>();

export function loadTokenizer(asset: TAssetInfo, opts: TTokenizerOptions): Tokenizer {
  return cachedByHash(cache, `${asset.sha256}:${opts.format}:${opts.lowercase}`, () => build(asset, opts));
}

function build(asset: TAssetInfo, opts: TTokenizerOptions): Tokenizer {
  const text = new TextDecoder("utf-8").decode(asset.bytes).replace(/^\uFEFF/, "");
  const isJson = opts.format === "tokenizer-json" || (opts.format === "auto" && text.trimStart().startsWith("{"));
  if (isJson) {
    let json: { model?: { type?: string } };
    try {
      json = JSON.parse(text) as typeof json;
    } catch (e) {
      throw new Error(`'${asset.name}' is not valid JSON: ${(e as Error).message}`);
    }
    if (!json || typeof json !== "object" || !json.model || typeof json.model !== "object") throw new Error(`'${asset.name}' is not a tokenizer.json (it has no "model")`);
    return new Tokenizer(json, {});
  }
  return new Tokenizer(bertFromVocab(assetLines(asset), asset.name, opts.lowercase), {});
}

/** bert-base-(un)cased's tokenizer.json for a vocab.txt: BertNormalizer, BertPreTokenizer, WordPiece, [CLS] A [SEP] B [SEP]. */
export function bertFromVocab(lines: string[], name: string, lowercase: boolean): object {
  const vocab: Record<string, number> = {};
  lines.forEach((tok, i) => {
    if (!(tok in vocab)) vocab[tok] = i;
  });
  for (const needed of ["[UNK]", "[CLS]", "[SEP]"]) if (!(needed in vocab)) throw new Error(`'${name}' is not a BERT vocab.txt: it has no ${needed} token`);
  const special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].filter((t) => t in vocab);
  const tok = (t: string, typeId: number) => ({ SpecialToken: { id: t, type_id: typeId } });
  const seq = (id: "A" | "B", typeId: number) => ({ Sequence: { id, type_id: typeId } });
  return {
    version: "1.0",
    added_tokens: special.map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [tok("[CLS]", 0), seq("A", 0), tok("[SEP]", 0)],
      pair: [tok("[CLS]", 0), seq("A", 0), tok("[SEP]", 0), seq("B", 1), tok("[SEP]", 1)],
      special_tokens: Object.fromEntries(["[CLS]", "[SEP]"].map((t) => [t, { id: t, ids: [vocab[t]], tokens: [t] }])),
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
  };
}

export interface TEncoded {
  ids: number[];
  tokens: string[];
  typeIds: number[];
}

/**
 * The lengths a pair keeps under Hugging Face tokenizers' LongestFirst truncation to maxLength content tokens
 * (truncate_encodings in tokenizers/src/utils/truncation.rs, the fast tokenizers' truncation=True). With
 * n1 ≤ n2 the shorter and longer length: the longer is cut to max(n1, maxLength − n1) (to n1 if n1 alone is
 * over maxLength); if the two still do not fit, both become maxLength / 2, the longer getting the odd token
 * (the second text when they are equal); maxLength 0 empties both. A pair that fits is kept as it is.
 */
export function longestFirstLengths(len1: number, len2: number, maxLength: number): [number, number] {
  if (maxLength <= 0) return [0, 0];
  if (len1 + len2 <= maxLength) return [len1, len2];
  const swap = len1 > len2;
  let n1 = Math.min(len1, len2);
  let n2 = n1 > maxLength ? n1 : Math.max(n1, maxLength - n1);
  if (n1 + n2 > maxLength) {
    n1 = Math.floor(maxLength / 2);
    n2 = n1 + (maxLength % 2);
  }
  return swap ? [n2, n1] : [n1, n2];
}

/**
 * One text (and optional pair) → ids within maxLength: the content is truncated longest-first before the
 * special tokens are added (as transformers' truncation=True), or, without truncation, a too-long text
 * returns null so the node can fail naming it.
 */
export function encode(tokenizer: Tokenizer, text: string, pair: string | null, opts: { maxLength: number; truncation: boolean; addSpecialTokens: boolean }): TEncoded | null {
  let a = tokenizer.tokenize(text, { add_special_tokens: false });
  let b = pair === null ? null : tokenizer.tokenize(pair, { add_special_tokens: false });
  const post = tokenizer.post_processor;
  const specials = opts.addSpecialTokens && post ? post.post_process([], b ? [] : null, true).tokens.length : 0;
  const budget = opts.maxLength - specials;
  if (a.length + (b?.length ?? 0) > budget) {
    if (!opts.truncation) return null;
    const max = Math.max(0, budget);
    if (b) {
      const [n1, n2] = longestFirstLengths(a.length, b.length, max);
      a = a.slice(0, n1);
      b = b.slice(0, n2);
    } else a = a.slice(0, max);
  }
  let tokens: string[];
  let typeIds: number[];
  if (opts.addSpecialTokens && post) {
    const r = post.post_process(a, b, true);
    tokens = r.tokens;
    typeIds = r.token_type_ids ?? tokens.map(() => 0);
  } else {
    tokens = [...a, ...(b ?? [])];
    typeIds = [...a.map(() => 0), ...(b ?? []).map(() => 1)];
  }
  const unk = tokenizer.model?.unk_token_id;
  const ids = tokens.map((t) => {
    const id = tokenizer.token_to_id(t) ?? unk;
    if (id === undefined || id === null) throw new Error(`token '${t}' is not in the vocabulary and the tokenizer has no unknown token`);
    return id;
  });
  return { ids, tokens, typeIds };
}
