import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { makeTensor, readNumber } from "../../values/tensor.ts";
import { dtypeIssue, NUMERIC, tensorInput, tensorKindOf } from "../shared.ts";

const OUTPUT_DTYPE = { boolean: "bool", binary: "int64", labels: "string" } as const;

export const threshold = defineNode({
  type: "post/threshold@v1",
  title: "Threshold",
  category: "postprocessing",
  description:
    "Turns scores into decisions per element: score > threshold is positive (strictly greater; NaN is negative). The result is a bool tensor, 0/1 as int64 (ready for Label map), or one of two labels [negative, positive]. Same shape as the scores.",
  params: z
    .object({
      threshold: z.number().default(0.5).meta({ description: "Scores above this are positive" }),
      output: z.enum(["boolean", "binary", "labels"]).default("boolean").meta({ description: "bool tensor, int64 0/1, or labels" }),
      labels: z.tuple([z.string(), z.string()]).optional().meta({ description: "[negative, positive] labels, for output = labels" }),
    })
    .refine((p) => p.output !== "labels" || p.labels, { message: "output 'labels' needs labels [negative, positive]", path: ["labels"] }),
  ports: (p) => ({ inputs: { scores: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor(OUTPUT_DTYPE[p.output]) } }),
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.scores);
    if (!x) return {};
    return { outputs: { y: kinds.tensor(OUTPUT_DTYPE[params.output], x.shape) }, issues: dtypeIssue("scores", x, NUMERIC, "a numeric") };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "scores", { dtypes: NUMERIC });
    const n = x.data.length;
    const above = (i: number) => readNumber(x, i) > p.threshold;
    if (p.output === "labels") {
      const [neg, pos] = p.labels!;
      return { y: makeTensor("string", x.shape, Array.from({ length: n }, (_, i) => (above(i) ? pos : neg))) };
    }
    if (p.output === "binary") return { y: makeTensor("int64", x.shape, BigInt64Array.from({ length: n }, (_, i) => (above(i) ? 1n : 0n))) };
    return { y: makeTensor("bool", x.shape, Uint8Array.from({ length: n }, (_, i) => (above(i) ? 1 : 0))) };
  },
});
