import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { shapeIssue, stridedCopy, stridesOf, tensorInput, tensorKindOf } from "../shared.ts";

export const transpose = defineNode({
  type: "tensor/transpose@v1",
  title: "Transpose",
  category: "tensor",
  description: "Permutes the axes (ONNX Transpose): output dim i is input dim perm[i]. Without `perm` the axes are reversed ([a, b, c] → [c, b, a]).",
  params: z.object({
    perm: z
      .array(z.int().min(0))
      .max(8)
      .refine((p) => [...p].sort((a, b) => a - b).every((v, i) => v === i), "perm must hold each of 0 … rank-1 exactly once")
      .optional()
      .meta({ description: "Axis order, e.g. [0, 2, 1]; default: reversed" }),
  }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("any") } },
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    if (!x.shape) return { outputs: { y: kinds.tensor(x.dtype, params.perm?.map(() => null)) } };
    const perm = params.perm ?? x.shape.map((_, i) => x.shape!.length - 1 - i);
    if (perm.length !== x.shape.length) return { outputs: { y: kinds.tensor(x.dtype) }, issues: [shapeIssue("x", `perm has ${perm.length} axes but the input has rank ${x.shape.length}`, String(perm.length), String(x.shape.length))] };
    return { outputs: { y: kinds.tensor(x.dtype, perm.map((a) => x.shape![a]!)) } };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x");
    const rank = x.shape.length;
    const perm = p.perm ?? x.shape.map((_, i) => rank - 1 - i);
    if (perm.length !== rank) throw new NodeInputError(`perm has ${perm.length} axes but the input has shape [${x.shape.join(", ")}]`, "x");
    const strides = stridesOf(x.shape);
    return { y: stridedCopy(x, perm.map((a) => x.shape[a]!), 0, perm.map((a) => strides[a]!)) };
  },
});
