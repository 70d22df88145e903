import { z } from "zod";
import { defineNode, type TNodeIssue } from "../../define-node.ts";
import { CodedNodeError, NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { makeTensor } from "../../values/tensor.ts";
import { lookupAsset, zAssetRef } from "../shared.ts";
import { textKindIssues, textsInput, TEXT_KIND } from "./shared-text.ts";
import { encode, loadTokenizer, type TTokenizerOptions } from "./tokenizers.ts";
import type { TAssetInfo } from "../../define-node.ts";

export const tokenize = defineNode({
  type: "text/tokenize@v1",
  title: "Tokenize",
  category: "text",
  description:
    "Text → the token ids a transformer takes, with the tokenizer the model was trained with: a Hugging Face tokenizer.json (BPE, Unigram or WordPiece, with its normalizer and special tokens) or a BERT vocab.txt, uploaded as an asset. Outputs input_ids, attention_mask and token_type_ids as [batch, length] (a string is a batch of one; textPair makes sentence pairs). Texts longer than maxLength are truncated (longest first, special tokens kept) or, with truncation off, fail with TEXT_TOO_LONG. Padding to maxLength gives a fixed shape; `longest` pads to the longest text of the batch.",
  params: z.object({
    tokenizer: zAssetRef,
    format: z.enum(["auto", "tokenizer-json", "vocab-txt"]).default("auto").meta({ description: "auto: JSON is a tokenizer.json, anything else a vocab.txt" }),
    lowercase: z.boolean().default(true).meta({ description: "vocab.txt only: lowercase and strip accents (uncased BERT)" }),
    maxLength: z.int().min(1).max(65_536).default(128),
    truncation: z.boolean().default(true),
    padding: z.enum(["max-length", "longest"]).default("max-length"),
    padId: z.int().min(0).optional().meta({ description: "Id used for padding; default: the [PAD]/<pad> token, else 0" }),
    addSpecialTokens: z.boolean().default(true),
    dtype: z.enum(["int64", "int32"]).default("int64"),
  }),
  ports: (p, env) => {
    const found = lookupAsset(env, p.tokenizer);
    const outputs = Object.fromEntries(
      ["input_ids", "attention_mask", "token_type_ids"].map((k) => [k, kinds.tensor(p.dtype, ["batch", p.padding === "max-length" ? p.maxLength : "length"])]),
    );
    const io = { inputs: { text: { kind: TEXT_KIND, description: "A string or a list of strings" }, textPair: { kind: TEXT_KIND, optional: true, description: "Second sentences, for pair models" } }, outputs: { ...outputs, tokens: kinds.json() } };
    if ("issue" in found) return { ...io, issues: [found.issue] };
    try {
      loadTokenizer(found.asset, p);
    } catch (e) {
      return { ...io, issues: [{ code: "ASSET_INVALID", message: `Asset '${p.tokenizer.name}' is not a usable tokenizer: ${(e as Error).message}` }] };
    }
    return { ...io, resolved: { asset: found.asset, toJSON: () => found.asset.sha256 } };
  },
  infer: ({ inputs }) => ({ issues: [...textKindIssues("text", inputs.text), ...textKindIssues("textPair", inputs.textPair)] as TNodeIssue[] }),
  execute(inputs, p, ctx) {
    const { asset } = ctx.resolved as { asset: TAssetInfo };
    const tokenizer = loadTokenizer(asset, p as TTokenizerOptions);
    const { texts } = textsInput(inputs, "text");
    const pairs = inputs.textPair === undefined ? null : textsInput(inputs, "textPair").texts;
    if (pairs && pairs.length !== texts.length) throw new NodeInputError(`${pairs.length} pair texts for ${texts.length} texts`, "textPair");
    const encoded = texts.map((t, i) => {
      const e = encode(tokenizer, t, pairs?.[i] ?? null, p);
      if (!e) {
        const n = tokenizer.tokenize(t, { add_special_tokens: p.addSpecialTokens }).length;
        throw new CodedNodeError("TEXT_TOO_LONG", `text ${i} is ${n} tokens, over maxLength ${p.maxLength} (truncation is off)`, "text");
      }
      return e;
    });
    const length = p.padding === "max-length" ? p.maxLength : Math.max(1, ...encoded.map((e) => e.ids.length));
    const pad = p.padId ?? tokenizer.token_to_id("[PAD]") ?? tokenizer.token_to_id("<pad>") ?? 0;
    const n = texts.length * length;
    const ids = new Array<number>(n).fill(pad);
    const mask = new Array<number>(n).fill(0);
    const types = new Array<number>(n).fill(0);
    encoded.forEach((e, r) => {
      e.ids.forEach((id, k) => {
        ids[r * length + k] = id;
        mask[r * length + k] = 1;
        types[r * length + k] = e.typeIds[k] ?? 0;
      });
    });
    const t = (v: number[]) => (p.dtype === "int64" ? makeTensor("int64", [texts.length, length], BigInt64Array.from(v, BigInt)) : makeTensor("int32", [texts.length, length], Int32Array.from(v)));
    return { input_ids: t(ids), attention_mask: t(mask), token_type_ids: t(types), tokens: encoded.map((e) => e.tokens) };
  },
});
