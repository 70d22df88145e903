import { z } from "zod";
import { defineNode, type TPortSpec } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds, type TKind } from "../../types/kinds.ts";
import { DTYPES, isTensor, type TDtype } from "../../values/tensor.ts";

function tensorKind(dtype: string, shape: (number | string | null)[] | null): TKind {
  return kinds.tensor((DTYPES as readonly string[]).includes(dtype) ? (dtype as TDtype) : "any", shape ?? undefined);
}

export const onnx = defineNode({
  type: "model/onnx@v1",
  title: "ONNX model",
  category: "model",
  description: "Runs a model from the registry. Its ports are the model's own inputs and outputs, with their dtypes and shapes.",
  params: z.object({
    model: z.string().min(1).max(200).meta({ description: "Model name in the registry" }),
    version: z.int().min(1).meta({ description: "Model version" }),
  }),
  ports: (p, env) => {
    const info = env.models.get(`${p.model}@${p.version}`);
    if (!info) {
      return { inputs: {}, outputs: {}, issues: [{ code: "MISSING_MODEL", message: `Model '${p.model}' version ${p.version} is not in the registry.` }] };
    }
    const inputs: Record<string, TPortSpec> = Object.fromEntries(info.inputs.map((i) => [i.name, { kind: tensorKind(i.dtype, i.shape) }]));
    const outputs = Object.fromEntries(info.outputs.map((o) => [o.name, tensorKind(o.dtype, o.shape)]));
    return { inputs, outputs, resolved: { sha256: info.sha256, outputs: info.outputs.map((o) => o.name) } };
  },
  // Rows along a free first dim are independent for the models we serve; list/map batches on it.
  batchable: true,
  async execute(inputs, _params, ctx) {
    const { sha256, outputs } = ctx.resolved as { sha256: string; outputs: string[] };
    for (const [port, v] of Object.entries(inputs)) if (!isTensor(v)) throw new NodeInputError("expected a tensor", port);
    const result = await ctx.models.run(sha256, inputs, { signal: ctx.signal });
    return Object.fromEntries(outputs.map((name) => [name, result[name]]));
  },
});
