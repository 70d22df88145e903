import { z } from "zod";
import { defineNode, type TNodeIssue, type TPortSpec } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import type { TBatchPolicy } from "../../runtime/types.ts";
import { kinds, type TKind } from "../../types/kinds.ts";
import { DTYPES, isTensor, type TDtype } from "../../values/tensor.ts";

function tensorKind(dtype: string, shape: (number | string | null)[] | null): TKind {
  return kinds.tensor((DTYPES as readonly string[]).includes(dtype) ? (dtype as TDtype) : "any", shape ?? undefined);
}

/**
 * Dynamic batching settings, Triton's (max_batch_size, max_queue_delay_microseconds, preferred_batch_size).
 * Off by default, as in Triton: batching assumes rows along the first dim are independent, which the
 * registry cannot check, and it trades a short wait for throughput. A stored graph without them runs as before.
 */
const batching = z
  .object({
    maxBatchSize: z.int().min(0).max(4096).default(0).meta({
      description: "Rows one model run takes at most, summed over the calls it serves. 0 or 1: every call runs alone (off). Needs a model whose first input dim is free.",
    }),
    maxQueueDelayMicroseconds: z.int().min(0).max(100_000).default(500).meta({
      description: "How long a call may wait, while a worker is free, for others to join its batch (µs). Under load calls queue anyway and batch without waiting.",
    }),
    preferredBatchSizes: z.array(z.int().min(2).max(4096)).max(16).default([]).meta({
      description: "Row counts that are run at once, without waiting for the delay (e.g. sizes the model is fastest at).",
    }),
  })
  .refine((b) => b.maxBatchSize <= 1 || b.preferredBatchSizes.every((n) => n <= b.maxBatchSize), { message: "Preferred batch sizes must not exceed the max batch size.", path: ["preferredBatchSizes"] })
  .meta({ description: "Dynamic batching: concurrent calls to this model are run together, concatenated along the first dim, and split back." });

export const onnx = defineNode({
  type: "model/onnx@v1",
  title: "ONNX model",
  category: "model",
  description:
    "Runs a model from the registry. Its ports are the model's own inputs and outputs, with their dtypes and shapes. With dynamic batching on, concurrent calls are run together (rows along the first dim); each call gets exactly the outputs it would get alone.",
  params: z.object({
    model: z.string().min(1).max(200).meta({ description: "Model name in the registry" }),
    version: z.int().min(1).meta({ description: "Model version" }),
    batching: batching.prefault({}),
  }),
  ports: (p, env) => {
    const info = env.models.get(`${p.model}@${p.version}`);
    if (!info) {
      return { inputs: {}, outputs: {}, issues: [{ code: "MISSING_MODEL", message: `Model '${p.model}' version ${p.version} is not in the registry.` }] };
    }
    const inputs: Record<string, TPortSpec> = Object.fromEntries(info.inputs.map((i) => [i.name, { kind: tensorKind(i.dtype, i.shape) }]));
    const outputs = Object.fromEntries(info.outputs.map((o) => [o.name, tensorKind(o.dtype, o.shape)]));
    const issues: TNodeIssue[] = [];
    let batch: TBatchPolicy | null = p.batching.maxBatchSize > 1 ? p.batching : null;
    const fixed = batch ? info.inputs.find((i) => !i.shape?.length || typeof i.shape[0] === "number") : undefined;
    if (fixed) {
      batch = null;
      const dims = !fixed.shape ? "an undeclared shape" : fixed.shape.length ? `a fixed first dim (${fixed.shape[0]})` : "no batch dimension (a scalar)";
      issues.push({ code: "BATCHING_UNAVAILABLE", severity: "warning", port: fixed.name, message: `Dynamic batching is off: the model's input '${fixed.name}' has ${dims}, so calls run one at a time.` });
    }
    return { inputs, outputs, ...(issues.length ? { issues } : {}), resolved: { sha256: info.sha256, outputs: info.outputs.map((o) => o.name), name: `${p.model}@${p.version}`, batch } };
  },
  // Rows along a free first dim are independent for the models we serve; list/map batches on it.
  batchable: true,
  async execute(inputs, _params, ctx) {
    const { sha256, outputs, name, batch } = ctx.resolved as { sha256: string; outputs: string[]; name: string; batch: TBatchPolicy | null };
    for (const [port, v] of Object.entries(inputs)) if (!isTensor(v)) throw new NodeInputError("expected a tensor", port);
    const result = await ctx.models.run(sha256, inputs, { signal: ctx.signal, ...(batch ? { batch, name } : {}) });
    return Object.fromEntries(outputs.map((name) => [name, result[name]]));
  },
});
