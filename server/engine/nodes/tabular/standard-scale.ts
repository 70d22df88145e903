import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { formatKind, kinds } from "../../types/kinds.ts";
import { fromNumbers, readNumber } from "../../values/tensor.ts";
import { FLOATS, tensorInput } from "../shared.ts";

export const standardScale = defineNode({
  type: "tabular/standard-scale@v1",
  title: "Standard scale",
  category: "tabular",
  description: "(x − mean) / std per feature (the last axis), with the training set's mean and std.",
  params: z
    .object({
      mean: z.array(z.number()).min(1),
      std: z.array(z.number().refine((s) => s !== 0, "std must not be 0")).min(1),
    })
    .refine((p) => p.mean.length === p.std.length, { message: "mean and std need the same length", path: ["std"] }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("float32") } },
  infer({ params, inputs }) {
    const x = inputs.x;
    if (x?.kind !== "tensor") return {};
    const issues = [];
    if (x.dtype !== "any" && !FLOATS.includes(x.dtype)) issues.push({ code: "DTYPE_MISMATCH", port: "x", message: `expects a float tensor, got ${formatKind(x)}`, expected: "float32", actual: x.dtype });
    const last = x.shape?.[x.shape.length - 1];
    if (typeof last === "number" && last !== params.mean.length) {
      issues.push({ code: "SHAPE_MISMATCH", port: "x", message: `has ${params.mean.length} features in its mean/std but the input's last dim is ${last}`, expected: String(params.mean.length), actual: String(last) });
    }
    return { outputs: { y: kinds.tensor("float32", x.shape) }, issues };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x", { dtypes: FLOATS, minRank: 1 });
    const n = x.shape[x.shape.length - 1]!;
    if (n !== p.mean.length) throw new NodeInputError(`last dim is ${n}, expected ${p.mean.length} features`, "x");
    const out = new Float32Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = (readNumber(x, i) - p.mean[i % n]!) / p.std[i % n]!;
    return { y: fromNumbers("float32", x.shape, out) };
  },
});
