import { z } from "zod";
import { defineNode, type TNodeIssue } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { readNumber, type TAnyTensor } from "../../values/tensor.ts";
import { assetLines, cachedByHash, dtypeIssue, FLOATS, lookupAsset, shapeIssue, tensorInput, tensorKindOf, zAssetRef } from "../shared.ts";

const charsetCache = new Map<string, string[]>();

export interface TCtcResult {
  text: string;
  /** Mean of the best class's score over the kept steps (0 for an empty text). */
  confidence: number;
}

/** Greedy CTC decoding of one sequence of T steps × C classes starting at `offset` in the tensor. */
export function ctcGreedy(t: TAnyTensor, offset: number, steps: number, classes: number, p: { characters: readonly string[]; blank: number; charOffset: number; mergeRepeated: boolean }): TCtcResult {
  let text = "";
  let sum = 0;
  let kept = 0;
  let prev = -1;
  for (let s = 0; s < steps; s++) {
    const at = offset + s * classes;
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = readNumber(t, at + c);
      if (v > bestScore) [best, bestScore] = [c, v];
    }
    const repeated = p.mergeRepeated && best === prev;
    prev = best;
    if (best === p.blank || repeated) continue;
    const ch = p.characters[best - p.charOffset];
    if (ch === undefined) throw new NodeInputError(`class ${best} at step ${s} has no character (${p.characters.length} characters, offset ${p.charOffset})`, "logits");
    text += ch;
    sum += bestScore;
    kept++;
  }
  return { text, confidence: kept ? sum / kept : 0 };
}

export const ctcDecode = defineNode({
  type: "post/ctc-decode@v1",
  title: "CTC decode",
  category: "postprocessing",
  description:
    "Text from a CTC recogniser (CRNN, PaddleOCR rec): for scores [steps, classes] or [batch, steps, classes], the best class per step, repeats merged, blanks dropped, class i read as characters[i − charOffset] (PaddleOCR: blank 0, offset 1, its key list plus a space). The characters are a list in the params or an uploaded asset with one character per line. `text` is a string for one sequence (also a batch of one) and a list for a batch; `confidence` the mean best score of the kept steps.",
  params: z.object({
    characters: z.array(z.string()).min(1).max(100_000).optional().meta({ description: "The model's character list (without the blank)" }),
    charactersAsset: zAssetRef.optional().meta({ description: "Or: an asset with one character per line (PaddleOCR's ppocr_keys_v1.txt)" }),
    blank: z.int().min(0).default(0).meta({ description: "Class index of the CTC blank" }),
    charOffset: z.int().min(0).max(1).default(1).meta({ description: "characters[class − charOffset]; 1 when the blank comes first" }),
    appendSpace: z.boolean().default(false).meta({ description: "Add ' ' after the characters (PaddleOCR's use_space_char)" }),
    mergeRepeated: z.boolean().default(true),
  }),
  ports: (p, env) => {
    const io = { inputs: { logits: { kind: kinds.tensor("any") } }, outputs: { text: kinds.json(), confidence: kinds.json() } };
    if (!p.characters === !p.charactersAsset) return { ...io, issues: [{ code: "INVALID_PARAMS", message: "Give either characters or charactersAsset." }] };
    if (p.characters) return { ...io, resolved: { characters: p.characters } };
    const found = lookupAsset(env, p.charactersAsset!);
    if ("issue" in found) return { ...io, issues: [found.issue] };
    const characters = cachedByHash(charsetCache, found.asset.sha256, () => assetLines(found.asset));
    return { ...io, resolved: { characters, toJSON: () => found.asset.sha256 } };
  },
  infer({ params, inputs, env }) {
    const k = tensorKindOf(inputs.logits);
    const issues: TNodeIssue[] = dtypeIssue("logits", k, FLOATS, "a float");
    const classes = k?.shape?.[k.shape.length - 1];
    const count = params.characters?.length ?? (params.charactersAsset && env.assets?.get(params.charactersAsset.sha256) ? cachedByHash(charsetCache, params.charactersAsset.sha256, () => assetLines(env.assets!.get(params.charactersAsset!.sha256)!)).length : undefined);
    if (count === undefined) return { issues };
    const need = count + (params.appendSpace ? 1 : 0) + params.charOffset;
    if (typeof classes === "number" && classes !== need) issues.push(shapeIssue("logits", `has ${classes} classes but the character list makes ${need} (with blank/offset and space)`, String(need), String(classes)));
    if (k?.shape && (k.shape.length < 2 || k.shape.length > 3)) issues.push(shapeIssue("logits", `expects [steps, classes] or [batch, steps, classes], got rank ${k.shape.length}`));
    return { issues };
  },
  execute(inputs, p, ctx) {
    const t = tensorInput(inputs, "logits", { dtypes: FLOATS });
    const { characters: charset } = ctx.resolved as { characters: string[] };
    if (t.shape.length < 2 || t.shape.length > 3) throw new NodeInputError(`expected [steps, classes] or [batch, steps, classes], got [${t.shape.join(", ")}]`, "logits");
    const [batch, steps, classes] = (t.shape.length === 2 ? [1, ...t.shape] : t.shape) as [number, number, number];
    const characters = p.appendSpace ? [...charset, " "] : charset;
    const results = Array.from({ length: batch }, (_, b) => ctcGreedy(t, b * steps * classes, steps, classes, { ...p, characters }));
    if (batch === 1) return { text: results[0]!.text, confidence: results[0]!.confidence };
    return { text: results.map((r) => r.text), confidence: results.map((r) => r.confidence) };
  },
});
