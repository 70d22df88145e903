import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { readNumber } from "../../values/tensor.ts";
import { dtypeIssue, FLOATS, mapToFloat32, tensorInput, tensorKindOf } from "../shared.ts";

export const sigmoid = defineNode({
  type: "post/sigmoid@v1",
  title: "Sigmoid",
  category: "postprocessing",
  description: "1 / (1 + e^−x) per element: turns logits of independent (binary or multi-label) outputs into probabilities. Never overflows (large |x| gives exactly 0 or 1); NaN stays NaN. Output is float32.",
  params: z.object({}),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("float32") } },
  infer({ inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    return { outputs: { y: kinds.tensor("float32", x.shape) }, issues: dtypeIssue("x", x, FLOATS, "a float") };
  },
  execute(inputs) {
    const x = tensorInput(inputs, "x", { dtypes: FLOATS });
    return { y: mapToFloat32(x, (i) => logistic(readNumber(x, i))) };
  },
});

/** Stable logistic: e^x is only taken of non-positive numbers. */
export function logistic(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}
