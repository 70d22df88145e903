import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { textKindIssues, textsInput, TEXT_KIND } from "./shared-text.ts";

const COMBINING = /\p{M}/gu;
const CONTROL = /[\p{Cc}\p{Cf}]/gu;

export function normalizeText(s: string, p: { form: "none" | "NFC" | "NFD" | "NFKC" | "NFKD"; lowercase: boolean; stripAccents: boolean; removeControl: boolean; collapseWhitespace: boolean; trim: boolean }): string {
  let t = s;
  if (p.removeControl) t = t.replace(/[\t\n\r]/g, " ").replace(CONTROL, "");
  if (p.stripAccents) t = t.normalize("NFD").replace(COMBINING, "");
  if (p.form !== "none") t = t.normalize(p.form);
  if (p.lowercase) t = t.toLowerCase();
  if (p.collapseWhitespace) t = t.replace(/\s+/gu, " ");
  if (p.trim) t = t.trim();
  return t;
}

export const normalize = defineNode({
  type: "text/normalize@v1",
  title: "Normalize text",
  category: "text",
  description:
    "Cleans text the way the model's training data was cleaned: Unicode normalization (NFC, NFKC folds full-width and ligature forms…), accents stripped (é → e), lowercase, control characters removed (tabs and newlines become spaces), whitespace runs collapsed, ends trimmed. A string gives a string, a list of strings a list.",
  params: z.object({
    form: z.enum(["none", "NFC", "NFD", "NFKC", "NFKD"]).default("NFC"),
    lowercase: z.boolean().default(false),
    stripAccents: z.boolean().default(false),
    removeControl: z.boolean().default(true),
    collapseWhitespace: z.boolean().default(true),
    trim: z.boolean().default(true),
  }),
  ports: { inputs: { text: { kind: TEXT_KIND, description: "A string or a list of strings" } }, outputs: { text: kinds.any() } },
  infer: ({ inputs }) => ({ outputs: { text: inputs.text && inputs.text.kind !== "any" && inputs.text.kind !== "json" ? inputs.text : kinds.any() }, issues: textKindIssues("text", inputs.text) }),
  execute(inputs, p) {
    const { texts, batched } = textsInput(inputs, "text");
    const out = texts.map((t) => normalizeText(t, p));
    return { text: batched ? out : out[0]! };
  },
});
