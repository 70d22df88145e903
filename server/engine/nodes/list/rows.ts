import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { sizeOf, type TAnyTensor, type TDataTypeMap, type TDtype, makeTensor } from "../../values/tensor.ts";
import { tensorInput, tensorKindOf } from "../shared.ts";

export const rows = defineNode({
  type: "list/rows@v1",
  title: "Tensor rows to list",
  category: "list",
  description: "Splits a tensor along its first dim into a list of tensors, one per row ([frames, 512] → frames × [512], or × [1, 512] with keepDim), to run a per-element pipeline on each.",
  params: z.object({ keepDim: z.boolean().default(false).meta({ description: "Keep a leading dim of 1 on each row" }) }),
  ports: { inputs: { tensor: { kind: kinds.tensor("any") } }, outputs: { rows: kinds.list(kinds.tensor("any")) } },
  infer({ params, inputs }) {
    const k = tensorKindOf(inputs.tensor);
    if (!k?.shape) return { outputs: { rows: kinds.list(kinds.tensor(k?.dtype ?? "any")) } };
    const rest = k.shape.slice(1);
    return { outputs: { rows: kinds.list(kinds.tensor(k.dtype, params.keepDim ? [1, ...rest] : rest)) } };
  },
  execute(inputs, p) {
    const t = tensorInput(inputs, "tensor");
    if (t.shape.length === 0) throw new NodeInputError("a scalar has no rows", "tensor");
    const rest = t.shape.slice(1);
    const n = sizeOf(rest);
    const data = t.data as TDataTypeMap[TDtype];
    const out: TAnyTensor[] = [];
    for (let r = 0; r < t.shape[0]!; r++) {
      const slice = (Array.isArray(data) ? data.slice(r * n, (r + 1) * n) : (data as Float32Array).slice(r * n, (r + 1) * n)) as TDataTypeMap[TDtype];
      out.push(makeTensor(t.dtype, p.keepDim ? [1, ...rest] : rest, slice) as TAnyTensor);
    }
    return { rows: out };
  },
});
