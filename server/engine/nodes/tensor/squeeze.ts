import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds, type TDim } from "../../types/kinds.ts";
import { axisInRange, axisIssue, shapeIssue, tensorInput, tensorKindOf, withShape } from "../shared.ts";

export const squeeze = defineNode({
  type: "tensor/squeeze@v1",
  title: "Squeeze",
  category: "tensor",
  description: "Removes dims of size 1 (ONNX Squeeze): the listed axes, each of which must be 1, or every dim of size 1 when no axes are given. [rows, 1] → [rows].",
  params: z.object({ axes: z.array(z.int()).min(1).max(8).optional().meta({ description: "Axes to remove; default: every dim of size 1" }) }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("any") } },
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    const shape = x.shape;
    if (!shape) return { outputs: { y: kinds.tensor(x.dtype) } };
    if (!params.axes) {
      // A symbolic dim may be 1 at run time, so the rank is only known when every dim is fixed.
      return { outputs: { y: kinds.tensor(x.dtype, shape.every((d) => typeof d === "number") ? shape.filter((d) => d !== 1) : undefined) } };
    }
    const drop = new Set<number>();
    for (const axis of params.axes) {
      const a = axisInRange(axis, shape.length);
      if (a === undefined) return { outputs: { y: kinds.tensor(x.dtype) }, issues: [axisIssue("x", axis, shape.length)] };
      const d = shape[a];
      if (typeof d === "number" && d !== 1) return { outputs: { y: kinds.tensor(x.dtype) }, issues: [shapeIssue("x", `cannot squeeze axis ${axis}: its size is ${d}, not 1`, "1", String(d))] };
      drop.add(a);
    }
    return { outputs: { y: kinds.tensor(x.dtype, shape.filter((_, i) => !drop.has(i)) as TDim[]) } };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x");
    if (!p.axes) return { y: withShape(x, x.shape.filter((d) => d !== 1)) };
    const drop = new Set<number>();
    for (const axis of p.axes) {
      const a = axisInRange(axis, x.shape.length);
      if (a === undefined) throw new NodeInputError(`axis ${axis} is out of range for shape [${x.shape.join(", ")}]`, "x");
      if (x.shape[a] !== 1) throw new NodeInputError(`cannot squeeze axis ${axis} of shape [${x.shape.join(", ")}]: its size is ${x.shape[a]}, not 1`, "x");
      drop.add(a);
    }
    return { y: withShape(x, x.shape.filter((_, i) => !drop.has(i))) };
  },
});
