import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { FLOAT_DTYPES, readNumber, writeNumber } from "../../values/tensor.ts";
import { buildTensor, dtypeIssue, NUMERIC, tensorInput, tensorKindOf } from "../shared.ts";

export const clip = defineNode({
  type: "tabular/clip@v1",
  title: "Clip",
  category: "tabular",
  description:
    "Holds every value inside [min, max] (ONNX Clip); either bound may be left out. Keeps dtype and shape. NaN stays NaN. On integer tensors the bounds are rounded inwards (min up, max down) so results stay inside them.",
  params: z
    .object({
      min: z.number().optional().meta({ description: "Lower bound; none when absent" }),
      max: z.number().optional().meta({ description: "Upper bound; none when absent" }),
    })
    .refine((p) => p.min !== undefined || p.max !== undefined, { message: "give min, max or both", path: ["min"] })
    .refine((p) => p.min === undefined || p.max === undefined || p.min <= p.max, { message: "min must not exceed max", path: ["max"] }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("any") } },
  infer({ inputs }) {
    const x = tensorKindOf(inputs.x);
    if (!x) return {};
    return { outputs: { y: x }, issues: dtypeIssue("x", x, NUMERIC, "a numeric") };
  },
  execute(inputs, p) {
    const x = tensorInput(inputs, "x", { dtypes: NUMERIC });
    const isFloat = FLOAT_DTYPES.includes(x.dtype);
    const lo = p.min === undefined ? -Infinity : isFloat ? p.min : Math.ceil(p.min);
    const hi = p.max === undefined ? Infinity : isFloat ? p.max : Math.floor(p.max);
    const src = x.data as ArrayLike<unknown>;
    const y = buildTensor(x.dtype, x.shape, (out, data) => {
      for (let i = 0; i < out.length; i++) {
        const v = readNumber(x, i);
        // Values inside the range are copied as they are (exact for 64-bit integers beyond 2^53).
        if (v < lo) writeNumber(x.dtype, data, i, lo);
        else if (v > hi) writeNumber(x.dtype, data, i, hi);
        else out[i] = src[i];
      }
    });
    return { y };
  },
});
