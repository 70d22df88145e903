import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { sizeOf } from "../../values/tensor.ts";
import { axisInRange, axisIssue, interleave, numberedInputs, numberedTensors, portNames, unifyTensors, zCount } from "../shared.ts";

export const stack = defineNode({
  type: "tensor/stack@v1",
  title: "Stack",
  category: "tensor",
  description:
    "Stacks tensors of one shape along a new axis (like numpy.stack): n inputs of [rows, classes] give [n, rows, classes] with axis 0, [rows, n, classes] with axis 1. The axis refers to the output, so -1 puts the new dim last.",
  params: z.object({
    count: zCount(2, 16, "inputs"),
    axis: z.int().min(-9).max(8).default(0).meta({ description: "Position of the new axis in the output" }),
  }),
  ports: (p) => ({ inputs: numberedInputs(p.count, kinds.tensor("any")), outputs: { y: kinds.tensor("any") } }),
  infer({ params, inputs }) {
    const u = unifyTensors(portNames(params.count), inputs);
    if (!u.shape) return { outputs: { y: kinds.tensor(u.dtype) }, issues: u.issues };
    const axis = axisInRange(params.axis, u.shape.length + 1);
    if (axis === undefined) return { outputs: { y: kinds.tensor(u.dtype) }, issues: [...u.issues, axisIssue("x0", params.axis, u.shape.length + 1)] };
    return { outputs: { y: kinds.tensor(u.dtype, [...u.shape.slice(0, axis), params.count, ...u.shape.slice(axis)]) }, issues: u.issues };
  },
  execute(inputs, p) {
    const xs = numberedTensors(inputs, p.count);
    const shape = xs[0]!.shape;
    xs.forEach((x, i) => {
      if (x.shape.some((d, k) => d !== shape[k])) throw new NodeInputError(`has shape [${x.shape.join(", ")}] but x0 has [${shape.join(", ")}]; stacked tensors need one shape`, `x${i}`);
    });
    const axis = axisInRange(p.axis, shape.length + 1);
    if (axis === undefined) throw new NodeInputError(`axis ${p.axis} is out of range for the output rank ${shape.length + 1}`, "x0");
    const chunk = sizeOf(shape.slice(axis));
    const out = [...shape.slice(0, axis), p.count, ...shape.slice(axis)];
    return { y: interleave(xs[0]!.dtype, out, xs.map((x) => ({ data: x.data, chunk })), sizeOf(shape.slice(0, axis))) };
  },
});
