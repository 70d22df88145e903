import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds, type TDim } from "../../types/kinds.ts";
import { axisInRange, shapeIssue, tensorInput, tensorKindOf, withShape } from "../shared.ts";

export const unsqueeze = defineNode({
  type: "tensor/unsqueeze@v1",
  title: "Unsqueeze",
  category: "tensor",
  description:
    "Inserts dims of size 1 (ONNX Unsqueeze). Axes refer to the output, so with a rank-r input they range over −(r+n) … r+n−1 for n axes: [3] with axes [0] → [1, 3], with axes [-1] → [3, 1].",
  params: z.object({ axes: z.array(z.int()).min(1).max(8).meta({ description: "Positions of the new dims in the output" }) }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("any") } },
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    if (!x.shape) return { outputs: { y: kinds.tensor(x.dtype) } };
    const r = insertOnes(x.shape, params.axes);
    return typeof r === "string" ? { outputs: { y: kinds.tensor(x.dtype) }, issues: [shapeIssue("x", r)] } : { outputs: { y: kinds.tensor(x.dtype, r) } };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x");
    const r = insertOnes(x.shape, p.axes);
    if (typeof r === "string") throw new NodeInputError(r, "x");
    return { y: withShape(x, r as number[]) };
  },
});

/** The shape with 1s at the given output axes, or why that is impossible. */
function insertOnes(shape: readonly TDim[], axes: readonly number[]): TDim[] | string {
  const rank = shape.length + axes.length;
  const at = new Set<number>();
  for (const axis of axes) {
    const a = axisInRange(axis, rank);
    if (a === undefined) return `axis ${axis} is out of range for the output rank ${rank}`;
    if (at.has(a)) return `axis ${axis} is listed twice`;
    at.add(a);
  }
  const rest = [...shape];
  return Array.from({ length: rank }, (_, i) => (at.has(i) ? 1 : rest.shift()!));
}
