import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds, type TDim } from "../../types/kinds.ts";
import { axisInRange, axisIssue, shapeIssue, stridedCopy, stridesOf, tensorInput, tensorKindOf } from "../shared.ts";

const ZIndices = z.array(z.int()).min(1).max(8);

export const slice = defineNode({
  type: "tensor/slice@v1",
  title: "Slice",
  category: "tensor",
  description:
    "Takes a range along some axes (ONNX Slice): for each listed axis, elements start, start+step, … up to but not including end. Negative starts/ends count from the end of the axis; out-of-range values are clamped, so a large end (2147483647) means “to the end”. A negative step walks backwards.",
  params: z
    .object({
      starts: ZIndices.meta({ description: "First index per sliced axis" }),
      ends: ZIndices.meta({ description: "End index (exclusive) per sliced axis" }),
      axes: ZIndices.optional().meta({ description: "Axes the starts/ends apply to; default 0, 1, …" }),
      steps: z.array(z.int().refine((s) => s !== 0, "a step cannot be 0")).min(1).max(8).optional().meta({ description: "Step per sliced axis; default 1" }),
    })
    .superRefine((p, ctx) => {
      for (const key of ["ends", "axes", "steps"] as const) {
        if (p[key] && p[key].length !== p.starts.length) ctx.addIssue({ code: "custom", path: [key], message: `needs ${p.starts.length} values, like starts` });
      }
    }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("any") } },
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    if (!x.shape) return { outputs: { y: kinds.tensor(x.dtype) } };
    const shape: TDim[] = [...x.shape];
    const axes = params.axes ?? params.starts.map((_, i) => i);
    const seen = new Set<number>();
    for (let i = 0; i < axes.length; i++) {
      const a = axisInRange(axes[i]!, shape.length);
      if (a === undefined) return { outputs: { y: kinds.tensor(x.dtype) }, issues: [axisIssue("x", axes[i]!, shape.length)] };
      if (seen.has(a)) return { outputs: { y: kinds.tensor(x.dtype) }, issues: [shapeIssue("x", `axis ${axes[i]} is sliced twice`)] };
      seen.add(a);
      const d = shape[a];
      shape[a] = typeof d === "number" ? sliceRange(d, params.starts[i]!, params.ends[i]!, params.steps?.[i] ?? 1).length : null;
    }
    return { outputs: { y: kinds.tensor(x.dtype, shape) } };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x");
    const strides = stridesOf(x.shape);
    const shape = [...x.shape];
    const steps = [...strides];
    let offset = 0;
    const axes = p.axes ?? p.starts.map((_, i) => i);
    const seen = new Set<number>();
    axes.forEach((axis, i) => {
      const a = axisInRange(axis, x.shape.length);
      if (a === undefined) throw new NodeInputError(`axis ${axis} is out of range for shape [${x.shape.join(", ")}]`, "x");
      if (seen.has(a)) throw new NodeInputError(`axis ${axis} is sliced twice`, "x");
      seen.add(a);
      const step = p.steps?.[i] ?? 1;
      const r = sliceRange(x.shape[a]!, p.starts[i]!, p.ends[i]!, step);
      shape[a] = r.length;
      // An empty range reads nothing, so its start need not be a valid index.
      if (r.length > 0) offset += r.start * strides[a]!;
      steps[a] = strides[a]! * step;
    });
    return { y: stridedCopy(x, shape, offset, steps) };
  },
});

/** ONNX Slice's clamping for one axis of size `dim`: the first index taken and how many. */
export function sliceRange(dim: number, start: number, end: number, step: number): { start: number; length: number } {
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
  } else {
    s = Math.min(Math.max(s, 0), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
  }
  return { start: s, length: Math.max(0, Math.ceil((e - s) / step)) };
}
