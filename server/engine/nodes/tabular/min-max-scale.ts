import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { readNumber } from "../../values/tensor.ts";
import { dtypeIssue, featureCount, featureCountIssue, FLOATS, mapToFloat32, tensorInput, tensorKindOf } from "../shared.ts";

export const minMaxScale = defineNode({
  type: "tabular/min-max-scale@v1",
  title: "Min-max scale",
  category: "tabular",
  description:
    "(x − min) / (max − min) per feature (the last axis), with the training set's min and max (scikit-learn's MinMaxScaler): training values land in [0, 1]. With clip, values outside the training range are held to 0 or 1. NaN stays NaN. Output is float32.",
  params: z
    .object({
      min: z.array(z.number()).min(1).max(4096).meta({ description: "Training-set minimum per feature (one value: every feature)" }),
      max: z.array(z.number()).min(1).max(4096).meta({ description: "Training-set maximum per feature" }),
      clip: z.boolean().default(false).meta({ description: "Clip the result to [0, 1]" }),
    })
    .superRefine((p, ctx) => {
      if (p.min.length !== p.max.length) ctx.addIssue({ code: "custom", path: ["max"], message: "min and max need the same length" });
      p.max.forEach((hi, i) => {
        if (hi === p.min[i]) ctx.addIssue({ code: "custom", path: ["max", i], message: "max must differ from min (the range would be 0)" });
      });
    }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("float32") } },
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    return { outputs: { y: kinds.tensor("float32", x.shape) }, issues: [...dtypeIssue("x", x, FLOATS, "a float"), ...featureCountIssue("x", x, params.min.length, "min/max values")] };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x", { dtypes: FLOATS, minRank: 1 });
    const n = featureCount(x, p.min.length, "min/max values");
    const y = mapToFloat32(x, (i) => {
      const f = p.min.length === 1 ? 0 : i % n;
      const v = (readNumber(x, i) - p.min[f]!) / (p.max[f]! - p.min[f]!);
      return p.clip ? Math.min(Math.max(v, 0), 1) : v;
    });
    return { y };
  },
});
