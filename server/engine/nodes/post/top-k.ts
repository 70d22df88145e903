import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { readNumber } from "../../values/tensor.ts";
import { NUMERIC, tensorInput } from "../shared.ts";

export interface TTopKEntry {
  label: string;
  index: number;
  score: number;
}

export const topK = defineNode({
  type: "post/top-k@v1",
  title: "Top-K labels",
  category: "postprocessing",
  description:
    "Highest-scoring classes with their labels, per row of a [rows, classes] (or [classes]) score tensor. With one row, `top` is that row's list and `label` its best label; with several, both are lists per row.",
  params: z.object({
    k: z.int().min(1).max(1000).default(5),
    labels: z.array(z.string()).max(100_000).optional().meta({ description: "Class names in score order; indices are used when absent" }),
  }),
  ports: { inputs: { scores: { kind: kinds.tensor("any") } }, outputs: { top: kinds.json(), label: kinds.json() } },
  infer({ params, inputs }) {
    const s = inputs.scores;
    const classes = s?.kind === "tensor" ? s.shape?.[s.shape.length - 1] : undefined;
    if (params.labels && typeof classes === "number" && classes !== params.labels.length) {
      return { issues: [{ code: "SHAPE_MISMATCH", port: "scores", message: `has ${params.labels.length} labels but the scores have ${classes} classes`, expected: String(params.labels.length), actual: String(classes) }] };
    }
    return {};
  },
  execute(inputs, p) {
    const s = tensorInput(inputs, "scores", { dtypes: NUMERIC, minRank: 1 });
    if (s.shape.length > 2) throw new NodeInputError(`expected [classes] or [rows, classes], got [${s.shape.join(", ")}]`, "scores");
    const classes = s.shape[s.shape.length - 1]!;
    if (p.labels && p.labels.length !== classes) throw new NodeInputError(`${classes} classes but ${p.labels.length} labels`, "scores");
    const rows = s.shape.length === 2 ? s.shape[0]! : 1;
    const top: TTopKEntry[][] = [];
    for (let r = 0; r < rows; r++) {
      const idx = Array.from({ length: classes }, (_, c) => c);
      const score = (c: number) => readNumber(s, r * classes + c);
      // Stable: ties keep the lower class index first. NaN sorts last.
      idx.sort((a, b) => (Number.isNaN(score(a)) ? 1 : Number.isNaN(score(b)) ? -1 : score(b) - score(a) || a - b));
      top.push(idx.slice(0, p.k).map((c) => ({ label: p.labels?.[c] ?? String(c), index: c, score: score(c) })));
    }
    const labels = top.map((row) => row[0]?.label ?? null);
    return rows === 1 ? { top: top[0] ?? [], label: labels[0] ?? null } : { top, label: labels };
  },
});
