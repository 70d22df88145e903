import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { readNumber, writeNumber } from "../../values/tensor.ts";
import { buildTensor, dtypeIssue, featureCount, featureCountIssue, FLOATS, tensorInput, tensorKindOf } from "../shared.ts";

export const impute = defineNode({
  type: "tabular/impute@v1",
  title: "Impute missing values",
  category: "tabular",
  description:
    "Replaces NaN (a missing value, e.g. from “Features from record” with missing = nan) per feature (the last axis) with the given values — typically the training set's means or medians — or with one constant. Other values, ±Infinity included, pass through unchanged; dtype and shape are kept.",
  params: z.object({
    values: z.array(z.number()).min(1).max(4096).optional().meta({ description: "Replacement per feature, in feature order; a single value applies to every feature" }),
    constant: z.number().default(0).meta({ description: "Replacement for every feature when `values` is not given" }),
  }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("any") } },
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    return { outputs: { y: x }, issues: [...dtypeIssue("x", x, FLOATS, "a float"), ...featureCountIssue("x", x, params.values?.length ?? 1, "replacement values")] };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x", { dtypes: FLOATS, minRank: 1 });
    const fill = p.values ?? [p.constant];
    const n = featureCount(x, fill.length, "replacement values");
    const src = x.data as ArrayLike<unknown>;
    const y = buildTensor(x.dtype, x.shape, (out, data) => {
      for (let i = 0; i < out.length; i++) {
        if (Number.isNaN(readNumber(x, i))) writeNumber(x.dtype, data, i, fill.length === 1 ? fill[0]! : fill[i % n]!);
        else out[i] = src[i];
      }
    });
    return { y };
  },
});
