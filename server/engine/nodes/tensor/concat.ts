import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds, type TDim } from "../../types/kinds.ts";
import { sizeOf } from "../../values/tensor.ts";
import { axisInRange, axisIssue, interleave, normAxis, numberedInputs, numberedTensors, portNames, tensorKindOf, unifyTensors, zCount } from "../shared.ts";

export const concat = defineNode({
  type: "tensor/concat@v1",
  title: "Concatenate",
  category: "tensor",
  description:
    "Joins tensors along an existing axis (ONNX Concat): all inputs share dtype and rank, and every dim except the axis. The default axis (-1) puts feature blocks side by side: [rows, 3] + [rows, 2] → [rows, 5].",
  params: z.object({
    count: zCount(2, 16, "inputs"),
    axis: z.int().min(-8).max(7).default(-1).meta({ description: "Axis to join along; negative counts from the end" }),
  }),
  ports: (p) => ({ inputs: numberedInputs(p.count, kinds.tensor("any")), outputs: { y: kinds.tensor("any") } }),
  infer({ params, inputs }) {
    const ports = portNames(params.count);
    const u = unifyTensors(ports, inputs, { skipAxis: (rank) => axisInRange(params.axis, rank) });
    if (!u.shape) return { outputs: { y: kinds.tensor(u.dtype) }, issues: u.issues };
    const axis = axisInRange(params.axis, u.shape.length);
    if (axis === undefined) return { outputs: { y: kinds.tensor(u.dtype) }, issues: [...u.issues, axisIssue("x0", params.axis, u.shape.length)] };
    // The joined dim is known only when every input's dim on the axis is.
    let sum: TDim = 0;
    for (const port of ports) {
      const d = tensorKindOf(inputs[port])?.shape?.[axis];
      sum = typeof d === "number" && typeof sum === "number" ? sum + d : null;
    }
    const shape = [...u.shape];
    shape[axis] = sum;
    return { outputs: { y: kinds.tensor(u.dtype, shape) }, issues: u.issues };
  },
  execute(inputs, p) {
    const xs = numberedTensors(inputs, p.count);
    const first = xs[0]!;
    if (first.shape.length === 0) throw new NodeInputError("cannot concatenate scalars (rank 0)", "x0");
    const axis = normAxis(p.axis, first.shape.length, "x0");
    xs.forEach((x, i) => {
      x.shape.forEach((d, k) => {
        if (k !== axis && d !== first.shape[k]) throw new NodeInputError(`has shape [${x.shape.join(", ")}] but x0 has [${first.shape.join(", ")}]; only dim ${axis} may differ`, `x${i}`);
      });
    });
    const outer = sizeOf(first.shape.slice(0, axis));
    const inner = sizeOf(first.shape.slice(axis + 1));
    const shape = [...first.shape];
    shape[axis] = xs.reduce((a, x) => a + x.shape[axis]!, 0);
    return { y: interleave(first.dtype, shape, xs.map((x) => ({ data: x.data, chunk: x.shape[axis]! * inner })), outer) };
  },
});
