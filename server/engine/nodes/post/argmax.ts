import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { makeTensor, readNumber, sizeOf } from "../../values/tensor.ts";
import { axisInRange, axisIssue, dtypeIssue, indexOfMax, normAxis, NUMERIC, tensorInput, tensorKindOf } from "../shared.ts";

export const argmax = defineNode({
  type: "post/argmax@v1",
  title: "Argmax",
  category: "postprocessing",
  description:
    "Index of the largest value along an axis, as int64 (ONNX ArgMax): [rows, classes] → [rows, 1], or [rows] without keepdims. Ties go to the first index. NaN never wins; an all-NaN slice gives 0.",
  params: z.object({
    axis: z.int().min(-8).max(7).default(-1).meta({ description: "Axis to reduce; -1 is the last (classes)" }),
    keepdims: z.boolean().default(true).meta({ description: "Keep the reduced axis as a dim of size 1 (ONNX default)" }),
  }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { indices: kinds.tensor("int64") } },
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    const issues = dtypeIssue("x", x, NUMERIC, "a numeric");
    if (!x.shape) return { outputs: { indices: kinds.tensor("int64") }, issues };
    const axis = axisInRange(params.axis, x.shape.length);
    if (axis === undefined) return { outputs: { indices: kinds.tensor("int64") }, issues: [...issues, axisIssue("x", params.axis, x.shape.length)] };
    const shape = params.keepdims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
    return { outputs: { indices: kinds.tensor("int64", shape) }, issues };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x", { dtypes: NUMERIC, minRank: 1 });
    const axis = normAxis(p.axis, x.shape.length);
    const len = x.shape[axis]!;
    if (len === 0) throw new NodeInputError(`axis ${p.axis} has size 0: there is no largest value`, "x");
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const out = new BigInt64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        out[o * inner + i] = BigInt(indexOfMax(len, (k) => readNumber(x, o * len * inner + k * inner + i)));
      }
    }
    const shape = p.keepdims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
    return { indices: makeTensor("int64", shape, out) };
  },
});
