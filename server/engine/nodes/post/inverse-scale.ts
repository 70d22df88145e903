import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { readNumber } from "../../values/tensor.ts";
import { dtypeIssue, featureCount, featureCountIssue, FLOATS, mapToFloat32, tensorInput, tensorKindOf } from "../shared.ts";

const ZValues = z.array(z.number()).min(1).max(4096);

export const inverseScale = defineNode({
  type: "post/inverse-scale@v1",
  title: "Inverse scale",
  category: "postprocessing",
  description:
    "Undoes the target scaling of a regression model, per output (the last axis): standard → y·std + mean; min-max → y·(max − min) + min. Use the statistics the target was scaled with in training. A single value applies to every output. Output is float32.",
  params: z.discriminatedUnion("method", [
    z
      .object({ method: z.literal("standard"), mean: ZValues.meta({ description: "Target mean per output" }), std: ZValues.meta({ description: "Target standard deviation per output" }) })
      .refine((p) => p.mean.length === p.std.length, { message: "mean and std need the same length", path: ["std"] }),
    z
      .object({ method: z.literal("min-max"), min: ZValues.meta({ description: "Target minimum per output" }), max: ZValues.meta({ description: "Target maximum per output" }) })
      .refine((p) => p.min.length === p.max.length, { message: "min and max need the same length", path: ["max"] }),
  ]),
  ports: { inputs: { y: { kind: kinds.tensor("any") } }, outputs: { value: kinds.tensor("float32") } },
  infer({ params, inputs }) {
    const y = tensorKindOf(inputs.y);
    if (!y) return {};
    const count = params.method === "standard" ? params.mean.length : params.min.length;
    return { outputs: { value: kinds.tensor("float32", y.shape) }, issues: [...dtypeIssue("y", y, FLOATS, "a float"), ...featureCountIssue("y", y, count, "scaling values")] };
  },
  execute(inputs, p) {
    const y = tensorInput(inputs, "y", { dtypes: FLOATS, minRank: 1 });
    const [scale, offset] = p.method === "standard" ? [p.std, p.mean] : [p.max.map((hi, i) => hi - p.min[i]!), p.min];
    const n = featureCount(y, scale.length, "scaling values", "y");
    return { value: mapToFloat32(y, (i) => readNumber(y, i) * scale[scale.length === 1 ? 0 : i % n]! + offset[offset.length === 1 ? 0 : i % n]!) };
  },
});
