import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds, type TDim } from "../../types/kinds.ts";
import { sizeOf } from "../../values/tensor.ts";
import { shapeIssue, tensorInput, tensorKindOf, withShape } from "../shared.ts";

export const reshape = defineNode({
  type: "tensor/reshape@v1",
  title: "Reshape",
  category: "tensor",
  description:
    "Same elements, new shape (ONNX Reshape): a 0 copies the input's dim at that position, one -1 takes whatever size makes the element count match. [0, -1] flattens everything after the first dim.",
  params: z.object({
    shape: z
      .array(z.int().min(-1))
      .max(8)
      .refine((s) => s.filter((d) => d === -1).length <= 1, "at most one dim can be -1")
      .meta({ description: "Target shape; 0 = copy the input dim, -1 = infer" }),
  }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("any") } },
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    const r = inferShape(x.shape, params.shape);
    return { outputs: { y: kinds.tensor(x.dtype, r.shape) }, issues: r.issue ? [shapeIssue("x", r.issue)] : [] };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x");
    const dims = p.shape.map((d, i) => {
      if (d !== 0) return d;
      const copied = x.shape[i];
      if (copied === undefined) throw new NodeInputError(`shape[${i}] is 0 (copy the input dim) but the input has rank ${x.shape.length}`, "x");
      return copied;
    });
    const free = dims.indexOf(-1);
    if (free >= 0) {
      const rest = dims.reduce((a, d, i) => (i === free ? a : a * d), 1);
      if (rest === 0 || x.data.length % rest !== 0) {
        throw new NodeInputError(`cannot fit ${x.data.length} elements (shape [${x.shape.join(", ")}]) into [${p.shape.join(", ")}]`, "x");
      }
      dims[free] = x.data.length / rest;
    }
    if (sizeOf(dims) !== x.data.length) {
      throw new NodeInputError(`cannot reshape [${x.shape.join(", ")}] (${x.data.length} elements) into [${dims.join(", ")}] (${sizeOf(dims)})`, "x");
    }
    return { y: withShape(x, dims) };
  },
});

/**
 * The output shape as far as the compiler can know it. Symbolic dims are factors we cannot multiply out,
 * but when the same symbols appear on both sides ([rows, 2, 3] → [0, -1]) the fixed parts must match and
 * -1 can still be resolved.
 */
function inferShape(input: TDim[] | undefined, target: number[]): { shape: TDim[]; issue?: string } {
  if (!input) return { shape: target.map((d) => (d > 0 ? d : null)) };
  const out: TDim[] = [];
  for (let i = 0; i < target.length; i++) {
    const d = target[i]!;
    if (d === 0 && i >= input.length) return { shape: target.map((t) => (t > 0 ? t : null)), issue: `shape[${i}] is 0 (copy the input dim) but the input has rank ${input.length}` };
    out.push(d === 0 ? input[i]! : d > 0 ? d : null);
  }
  const free = target.indexOf(-1);
  const factors = (dims: TDim[]) => ({
    fixed: dims.reduce<number>((a, d) => (typeof d === "number" ? a * d : a), 1),
    symbols: dims.filter((d): d is string => typeof d === "string").sort().join(","),
    unknown: dims.includes(null),
  });
  const a = factors(input);
  const b = factors(out.filter((_, i) => i !== free));
  if (a.unknown || b.unknown || a.symbols !== b.symbols) return { shape: out };
  if (free < 0) return a.fixed === b.fixed ? { shape: out } : { shape: out, issue: `cannot reshape [${input.join(", ")}] into [${out.join(", ")}]: ${a.fixed} vs ${b.fixed} elements` };
  if (b.fixed === 0 || a.fixed % b.fixed !== 0) return { shape: out, issue: `cannot fit [${input.join(", ")}] into [${target.join(", ")}]` };
  out[free] = a.fixed / b.fixed;
  return { shape: out };
}
