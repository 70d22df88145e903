import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { INT_DTYPES, makeTensor } from "../../values/tensor.ts";
import { dtypeIssue, tensorInput, tensorKindOf } from "../shared.ts";

export const labelMap = defineNode({
  type: "post/label-map@v1",
  title: "Label map",
  category: "postprocessing",
  description:
    "Replaces class indices (e.g. from Argmax) with their names: index i becomes labels[i], in a string tensor of the same shape. An index outside the list fails the run and names the index — a model and label list that disagree are a bug, not something to guess around.",
  params: z.object({ labels: z.array(z.string()).min(1).max(100_000).meta({ description: "Class names, in the model's class order" }) }),
  ports: { inputs: { indices: { kind: kinds.tensor("any") } }, outputs: { labels: kinds.tensor("string") } },
  infer({ inputs }) {
    const x = tensorKindOf(inputs.indices);
    if (!x) return {};
    return { outputs: { labels: kinds.tensor("string", x.shape) }, issues: dtypeIssue("indices", x, INT_DTYPES, "an integer") };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "indices", { dtypes: INT_DTYPES });
    const src = x.data as ArrayLike<number | bigint>;
    const out = new Array<string>(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      const label = v >= 0 && v < p.labels.length ? p.labels[Number(v)] : undefined;
      if (label === undefined) throw new NodeInputError(`index ${v} (element ${i}) is outside the ${p.labels.length} labels (0 … ${p.labels.length - 1})`, "indices");
      out[i] = label;
    }
    return { labels: makeTensor("string", x.shape, out) };
  },
});
