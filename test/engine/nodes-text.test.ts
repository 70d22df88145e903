/**
 * text/* nodes: normalisation, tokenizers from assets (BERT's own WordPiece test, hand-checkable BPE and
 * Unigram tokenizer.json files) with padding, truncation, masks and pairs, and the hashing vectorizer against
 * scikit-learn's output (test/fixtures/text, see its README).
 */
import { describe, expect, it } from "vitest";
import { compile } from "@/server/engine/compiler/compile.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import { murmur3 } from "@/server/engine/nodes/text/hash-vectorize.ts";
import { longestFirstLengths } from "@/server/engine/nodes/text/tokenizers.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { env, inferNode, plain } from "./harness.ts";
import { fixture, fixtureAsset, runRaw, runRawError } from "./media-harness.ts";

describe("text/normalize@v1", () => {
  it("normalises Unicode, strips accents and control characters, lowercases, collapses and trims", async () => {
    const text = "  Ｆｕｌｌ\u00A0width\tCafé\u200B ﬁne \n";
    expect((await runRaw("text/normalize@v1", { form: "NFKC" }, { text })).text).toBe("Full width Café fine");
    expect((await runRaw("text/normalize@v1", { form: "NFKC", lowercase: true, stripAccents: true }, { text })).text).toBe("full width cafe fine");
    expect((await runRaw("text/normalize@v1", { form: "NFD", collapseWhitespace: false, trim: false, removeControl: false }, { text: "é" })).text).toBe("e\u0301");
    expect((await runRaw("text/normalize@v1", { lowercase: true }, { text: ["A  B", "ÇA"] })).text).toEqual(["a b", "ça"]);
  });

  it("wants strings", async () => {
    expect(inferNode("text/normalize@v1", {}, { text: { kind: "number" } }).issues).toMatchObject([{ code: "KIND_MISMATCH", port: "text" }]);
    await expect(runRaw("text/normalize@v1", {}, { text: ["ok", 3] })).rejects.toMatchObject({ port: "text", message: expect.stringMatching(/item 1 is not a string/) });
  });
});

describe("text/tokenize@v1", () => {
  const bert = fixtureAsset("text/bert-test-vocab.txt", "vocab.txt");
  const bpe = fixtureAsset("text/tiny-bpe.tokenizer.json");
  const unigram = fixtureAsset("text/tiny-unigram.tokenizer.json");
  const tok = (a: typeof bert, params: Record<string, unknown>, inputs: Record<string, unknown>) => runRaw("text/tokenize@v1", { tokenizer: a.ref, ...params }, inputs, {}, { env: a.env });

  it("reproduces BERT's WordPiece test from a vocab.txt: lowercase, accents stripped, greedy longest-match subwords", async () => {
    const out = await tok(bert, { maxLength: 10 }, { text: "UNwant\u00E9d,running" });
    expect(out.tokens).toEqual([["[CLS]", "un", "##want", "##ed", ",", "runn", "##ing", "[SEP]"]]);
    // The test's ids [7, 4, 5, 10, 8, 9] shifted by one ([PAD] comes first here), between [CLS]=2 and [SEP]=3.
    expect(plain(out.input_ids)).toEqual({ dtype: "int64", shape: [1, 10], data: [2, 8, 5, 6, 11, 9, 10, 3, 0, 0] });
    expect(plain(out.attention_mask).data).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(plain(out.token_type_ids).data).toEqual(new Array(10).fill(0));
    expect((await tok(bert, {}, { text: "unwantedX running" })).tokens).toEqual([["[CLS]", "[UNK]", "runn", "##ing", "[SEP]"]]);
  });

  it("pairs get token type 1, truncation keeps the special tokens and cuts the longest side, longest pads to the batch", async () => {
    const pair = await tok(bert, { maxLength: 8 }, { text: "want want want want", textPair: "running" });
    expect(pair.tokens).toEqual([["[CLS]", "want", "want", "want", "[SEP]", "runn", "##ing", "[SEP]"]]);
    expect(plain(pair.token_type_ids).data).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    const batch = await tok(bert, { padding: "longest", dtype: "int32" }, { text: ["want", "running, running"] });
    expect(plain(batch.input_ids)).toEqual({ dtype: "int32", shape: [2, 7], data: [2, 4, 3, 0, 0, 0, 0, 2, 9, 10, 11, 9, 10, 3] });
  });

  // Expected lengths worked by hand from Hugging Face tokenizers' truncate_encodings, LongestFirst
  // (tokenizers/src/utils/truncation.rs), on the content budget B = maxLength − 3 ([CLS] A [SEP] B [SEP]):
  // n1 = shorter, n2 = longer length; n2 := n1 > B ? n1 : max(n1, B − n1); if n1 + n2 > B then
  // n1 := ⌊B/2⌋, n2 := n1 + B mod 2; the first text gets n2 if it was the longer (swap), else n1; B = 0 → 0, 0.
  it("cuts pairs longest-first exactly as Hugging Face tokenizers: halves, the odd token to the longer text", async () => {
    const cut = async (maxLength: number, text: string, textPair: string) => (await tok(bert, { maxLength }, { text, textPair })).tokens;
    const A = "unwanted running"; // un ##want ##ed runn ##ing (5)
    const W = "wanted, wa"; // want ##ed , wa (4)
    const R = "wanted, running"; // want ##ed , runn ##ing (5)
    // First longer, odd budget: B = 5, n1 = 4 (W), n2 = max(4, 1) = 4, 8 > 5 → 2, 3; swapped → A 3, W 2.
    expect(await cut(8, A, W)).toEqual([["[CLS]", "un", "##want", "##ed", "[SEP]", "want", "##ed", "[SEP]"]]);
    // First longer, even budget: B = 4, n2 = max(4, 0) = 4, 8 > 4 → 2, 2.
    expect(await cut(7, A, W)).toEqual([["[CLS]", "un", "##want", "[SEP]", "want", "##ed", "[SEP]"]]);
    // Second longer, odd budget: B = 5 → 2, 3, not swapped → W 2, A 3.
    expect(await cut(8, W, A)).toEqual([["[CLS]", "want", "##ed", "[SEP]", "un", "##want", "##ed", "[SEP]"]]);
    // Second longer, even budget: B = 4 → 2, 2.
    expect(await cut(7, W, A)).toEqual([["[CLS]", "want", "##ed", "[SEP]", "un", "##want", "[SEP]"]]);
    // Equal lengths, odd budget: B = 7, n1 = n2 = 5, max(5, 2) = 5, 10 > 7 → 3, 4, not swapped → the second gets the odd token.
    expect(await cut(10, A, R)).toEqual([["[CLS]", "un", "##want", "##ed", "[SEP]", "want", "##ed", ",", "runn", "[SEP]"]]);
    // Equal lengths, even budget: B = 6 → 3, 3.
    expect(await cut(9, A, R)).toEqual([["[CLS]", "un", "##want", "##ed", "[SEP]", "want", "##ed", ",", "[SEP]"]]);
    // One side shorter than half the budget is kept whole: B = 4, n1 = 1, n2 = max(1, 3) = 3, 4 ≤ 4 → wa 1, A 3.
    expect(await cut(7, "wa", A)).toEqual([["[CLS]", "wa", "[SEP]", "un", "##want", "##ed", "[SEP]"]]);
    // ... and first: B = 5, n2 = max(1, 4) = 4, 5 ≤ 5, swapped → A 4, wa 1.
    expect(await cut(8, A, "wa")).toEqual([["[CLS]", "un", "##want", "##ed", "runn", "[SEP]", "wa", "[SEP]"]]);
    // The shorter alone is over the budget: B = 3, n1 = 4 > 3 → n2 = 4, 8 > 3 → 1, 2; swapped → A 2, W 1.
    expect(await cut(6, A, W)).toEqual([["[CLS]", "un", "##want", "[SEP]", "want", "[SEP]"]]);
    // A budget of one token empties a side: B = 1 → 0, 1; swapped → A 1, W 0; not swapped → W 0, A 1; equal → A 0, R 1.
    const empty = await tok(bert, { maxLength: 4 }, { text: A, textPair: W });
    expect(empty.tokens).toEqual([["[CLS]", "un", "[SEP]", "[SEP]"]]);
    expect(plain(empty.token_type_ids).data).toEqual([0, 0, 0, 1]);
    expect(await cut(4, W, A)).toEqual([["[CLS]", "[SEP]", "un", "[SEP]"]]);
    expect(await cut(4, A, R)).toEqual([["[CLS]", "[SEP]", "want", "[SEP]"]]);
    // B = 0 empties both.
    expect(await cut(3, A, W)).toEqual([["[CLS]", "[SEP]", "[SEP]"]]);
  });

  it("longestFirstLengths reproduces the tokenizers crate's own truncate_encodings_longest_first table", () => {
    // tokenizers/src/utils/truncation.rs tests: max_length 7 over lengths empty 0, short 2, medium 4, long 8.
    const table: [number, number, number, number][] = [
      [0, 0, 0, 0], [0, 2, 0, 2], [0, 4, 0, 4], [0, 8, 0, 7],
      [2, 0, 2, 0], [2, 2, 2, 2], [2, 4, 2, 4], [2, 8, 2, 5],
      [4, 0, 4, 0], [4, 2, 4, 2], [4, 4, 3, 4], [4, 8, 3, 4],
      [8, 0, 7, 0], [8, 2, 5, 2], [8, 4, 4, 3], [8, 8, 3, 4],
    ];
    for (const [l1, l2, n1, n2] of table) expect([l1, l2, longestFirstLengths(l1, l2, 7)]).toEqual([l1, l2, [n1, n2]]);
    // truncate_encodings_empty: max_length 0 empties both.
    for (const [l1, l2] of [[0, 2], [4, 4], [8, 8]] as const) expect(longestFirstLengths(l1, l2, 0)).toEqual([0, 0]);
  });

  it("fails with TEXT_TOO_LONG when truncation is off, naming the text", async () => {
    const e = await runRawError("text/tokenize@v1", { tokenizer: bert.ref, maxLength: 4, truncation: false }, { text: ["want", "unwanted running"] }, {}, { env: bert.env });
    expect(e).toMatchObject({ code: "NODE_FAILED", port: "text", details: { reason: "TEXT_TOO_LONG" } });
    expect(e.message).toContain("text 1 is 7 tokens, over maxLength 4");
  });

  it("runs a BPE tokenizer.json: merges applied in rank order, template special tokens, <pad> padding", async () => {
    const out = await tok(bpe, { maxLength: 6 }, { text: "Hello world!" });
    expect(out.tokens).toEqual([["<s>", "hello", "world", "!", "</s>"]]);
    expect(plain(out.input_ids).data).toEqual([1, 14, 18, 19, 2, 3]);
    // "hellow" has no merge for "o w": hello + w.
    expect((await tok(bpe, {}, { text: "hellow" })).tokens).toEqual([["<s>", "hello", "w", "</s>"]]);
  });

  it("runs a Unigram tokenizer.json: the most probable segmentation, ▁ for spaces", async () => {
    const out = await tok(unigram, { maxLength: 5, padId: 0 }, { text: "hello world" });
    expect(out.tokens).toEqual([["▁hello", "▁world", "</s>"]]);
    expect(plain(out.input_ids).data).toEqual([3, 4, 1, 0, 0]);
    // ▁he + ld (−5 − 6) beats ▁he + l + d (−5 − 8 − 8).
    expect((await tok(unigram, {}, { text: "held" })).tokens).toEqual([["▁he", "ld", "</s>"]]);
  });

  it("reports a missing or unusable asset at compile time, and fixes the output shape", () => {
    const g = (ref: unknown, envAssets = bert.env) => {
      const b = new GraphBuilder();
      const n = b.add("text/tokenize@v1", { tokenizer: ref, maxLength: 16 }, "tok");
      b.connect(b.input("text", { kind: "string" }), "value", n, "text");
      b.output("ids", n, "input_ids");
      return compile(b.build(), registry, { ...env, ...envAssets });
    };
    expect(g(bert.ref).ports.tok?.outputs.input_ids).toEqual({ kind: "tensor", dtype: "int64", shape: ["batch", 16] });
    expect(g({ name: "vocab.txt", sha256: "0".repeat(64) }).issues).toMatchObject([{ code: "MISSING_ASSET", nodeId: "tok" }]);
    const broken = fixtureAsset("text/hashing-reference.py", "tokenizer.txt");
    expect(g(broken.ref, broken.env).issues).toMatchObject([{ code: "ASSET_INVALID", nodeId: "tok", message: expect.stringContaining("no [UNK] token") }]);
  });
});

describe("text/hash-vectorize@v1", () => {
  const ref = JSON.parse(fixture("text/hashing-reference.json").toString("utf8")) as {
    texts: string[];
    cases: { params: { n_features: number; ngram_range?: [number, number]; analyzer?: "word" | "char" | "char_wb"; alternate_sign?: boolean; norm?: "l1" | "l2" | null; binary?: boolean; lowercase?: boolean }; rows: Record<string, number>[] }[];
  };

  it("matches scikit-learn's HashingVectorizer bucket for bucket", async () => {
    expect(murmur3("hello")).toBe(613153351); // sklearn.utils.murmurhash3_32("hello")
    for (const c of ref.cases) {
      const p = c.params;
      const params = {
        nFeatures: p.n_features,
        ...(p.ngram_range ? { ngramRange: p.ngram_range } : {}),
        ...(p.analyzer ? { analyzer: p.analyzer } : {}),
        ...(p.alternate_sign !== undefined ? { alternateSign: p.alternate_sign } : {}),
        ...(p.norm !== undefined ? { norm: p.norm ?? "none" } : {}),
        ...(p.binary !== undefined ? { binary: p.binary } : {}),
        ...(p.lowercase !== undefined ? { lowercase: p.lowercase } : {}),
      };
      const { features } = await runRaw("text/hash-vectorize@v1", params, { text: ref.texts });
      const t = plain(features);
      expect(t.shape).toEqual([ref.texts.length, p.n_features]);
      c.rows.forEach((row, r) => {
        const got: Record<string, number> = {};
        for (let i = 0; i < p.n_features; i++) {
          const v = t.data[r * p.n_features + i] as number;
          if (v !== 0) got[String(i)] = v;
        }
        // scikit-learn keeps explicit zeros where colliding features cancel out; a dense vector cannot.
        const nonzero = Object.entries(row).filter(([, v]) => v !== 0);
        expect(Object.keys(got), JSON.stringify({ params, r })).toEqual(nonzero.map(([k]) => k));
        for (const [k, v] of nonzero) expect(got[k]).toBeCloseTo(v, 6);
      });
    }
  });
});
