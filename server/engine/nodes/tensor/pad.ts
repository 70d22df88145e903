import { z } from "zod";
import { defineNode, type TNodeIssue } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds, type TDim } from "../../types/kinds.ts";
import { allocate, makeTensor, sizeOf, writeNumber, type TAnyTensor, type TDataTypeMap, type TDtype } from "../../values/tensor.ts";
import { dtypeIssue, NUMERIC, shapeIssue, stridesOf, tensorInput, tensorKindOf } from "../shared.ts";
import { axesOrIssue, intScalarProblem } from "./shared-tensor.ts";

const MODES = ["constant", "edge", "reflect"] as const;
type TMode = (typeof MODES)[number];
const ZAmounts = z.array(z.int().min(-1_000_000).max(1_000_000)).min(1).max(8);

export const pad = defineNode({
  type: "tensor/pad@v1",
  title: "Pad",
  category: "tensor",
  description:
    "Adds elements before and after the data along some axes (ONNX Pad, numpy.pad): `constant` fills with `value`, `edge` repeats the first/last element, `reflect` mirrors without repeating the edge ([1, 2, 3] padded by 2 → [3, 2, 1, 2, 3, 2, 1], the centred-frame padding of an STFT). " +
    "For each listed axis (negative counts from the end; default 0, 1, …) `before` and `after` give the counts; a negative count removes elements instead (constant and edge modes). Keeps dtype; on integer tensors the value must be an integer of that dtype, on bool 0 or 1.",
  params: z
    .object({
      before: ZAmounts.meta({ description: "Elements to add before the data, per listed axis" }),
      after: ZAmounts.meta({ description: "Elements to add after the data, per listed axis" }),
      axes: z.array(z.int().min(-8).max(7)).min(1).max(8).optional().meta({ description: "Axes the counts apply to; default 0, 1, …" }),
      mode: z.enum(MODES).default("constant").meta({ description: "constant, edge or reflect" }),
      value: z.number().default(0).meta({ description: "Fill value (constant mode)" }),
    })
    .superRefine((p, ctx) => {
      for (const key of ["after", "axes"] as const) {
        if (p[key] && p[key].length !== p.before.length) ctx.addIssue({ code: "custom", path: [key], message: `needs ${p.before.length} values, like before` });
      }
      if (p.mode !== "constant" && p.value !== 0) ctx.addIssue({ code: "custom", path: ["value"], message: `is only used in constant mode, not ${p.mode}` });
    }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("any") } },
  infer({ params, inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    const issues: TNodeIssue[] = dtypeIssue("x", x, NUMERIC, "a numeric");
    const problem = params.mode === "constant" && x.dtype !== "any" ? valueProblem(params.value, x.dtype) : undefined;
    if (problem) issues.push({ code: "DTYPE_MISMATCH", port: "x", message: `the pad value ${problem}`, expected: `a ${x.dtype} value`, actual: String(params.value) });
    if (!x.shape) return { outputs: { y: kinds.tensor(x.dtype) }, issues };
    const r = axesOrIssue(params.axes ?? params.before.map((_, i) => i), x.shape.length, "x");
    if ("issue" in r) return { outputs: { y: kinds.tensor(x.dtype) }, issues: [...issues, r.issue] };
    const shape: TDim[] = [...x.shape];
    for (let i = 0; i < r.axes.length; i++) {
      const a = r.axes[i]!;
      const d = shape[a]!;
      const [b, e] = [params.before[i]!, params.after[i]!];
      if (typeof d !== "number") {
        shape[a] = b + e === 0 ? d : null;
        continue;
      }
      const bad = padProblem(d, b, e, params.mode);
      if (bad) return { outputs: { y: kinds.tensor(x.dtype) }, issues: [...issues, shapeIssue("x", `axis ${a}: ${bad}`)] };
      shape[a] = d + b + e;
    }
    return { outputs: { y: kinds.tensor(x.dtype, shape) }, issues };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x", { dtypes: NUMERIC });
    const problem = p.mode === "constant" ? valueProblem(p.value, x.dtype) : undefined;
    if (problem) throw new NodeInputError(`the pad value ${problem}`, "x");
    const r = axesOrIssue(p.axes ?? p.before.map((_, i) => i), x.shape.length, "x");
    if ("issue" in r) throw new NodeInputError(`${r.issue.message} (shape [${x.shape.join(", ")}])`, "x");
    // Per output axis, the source index of each output position (-1: the constant).
    const sources = x.shape.map((d) => Int32Array.from({ length: d }, (_, k) => k));
    r.axes.forEach((a, i) => {
      const d = x.shape[a]!;
      const [b, e] = [p.before[i]!, p.after[i]!];
      const bad = padProblem(d, b, e, p.mode);
      if (bad) throw new NodeInputError(`axis ${a} of shape [${x.shape.join(", ")}]: ${bad}`, "x");
      sources[a] = Int32Array.from({ length: d + b + e }, (_, o) => sourceIndex(o - b, d, p.mode));
    });
    return { y: gather(x, sources, p.value) };
  },
});

function valueProblem(v: number, dtype: TDtype): string | undefined {
  if (dtype === "bool") return v === 0 || v === 1 ? undefined : `${v} is not a bool (0 or 1)`;
  return intScalarProblem(v, dtype);
}

/** Why `before`/`after` cannot pad an axis of size d in this mode, if they cannot. */
function padProblem(d: number, before: number, after: number, mode: TMode): string | undefined {
  if (d + before + after < 0) return `removing ${-(before + after)} elements from a dim of ${d} leaves fewer than none`;
  if (before < -d || after < -d) return `cannot remove more than the ${d} elements there are`;
  if (mode === "reflect" && (before < 0 || after < 0)) return "reflect padding cannot remove elements (slice first)";
  const adds = before > 0 || after > 0;
  if (adds && mode !== "constant" && d === 0) return `${mode} padding needs at least one element to repeat`;
  if (mode === "reflect" && Math.max(before, after) > d - 1 && adds) return `reflect padding by ${Math.max(before, after)} needs a dim larger than that, got ${d}`;
  return undefined;
}

/** Where output position s (relative to the data's start) reads from in an axis of size d. */
function sourceIndex(s: number, d: number, mode: TMode): number {
  if (s >= 0 && s < d) return s;
  if (mode === "constant") return -1;
  if (mode === "edge") return s < 0 ? 0 : d - 1;
  return s < 0 ? -s : 2 * (d - 1) - s; // reflect: pads are at most d - 1, so one reflection suffices
}

/** The output whose element at coords c is x at (sources[k][c[k]])_k, or `value` where any source is -1. */
function gather(x: TAnyTensor, sources: readonly Int32Array[], value: number): TAnyTensor {
  const shape = sources.map((s) => s.length);
  const strides = stridesOf(x.shape);
  const n = sizeOf(shape);
  const data = allocate(x.dtype, n);
  const out = data as unknown as { [i: number]: unknown };
  const src = x.data as ArrayLike<unknown>;
  const coords = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let at = 0;
    for (let k = 0; k < shape.length && at >= 0; k++) {
      const s = sources[k]![coords[k]!]!;
      at = s < 0 ? -1 : at + s * strides[k]!;
    }
    if (at >= 0) out[i] = src[at];
    else writeNumber(x.dtype, data as TDataTypeMap[TDtype], i, value);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++coords[k]! < shape[k]!) break;
      coords[k] = 0;
    }
  }
  return makeTensor(x.dtype, shape, data as TDataTypeMap[TDtype]) as TAnyTensor;
}
