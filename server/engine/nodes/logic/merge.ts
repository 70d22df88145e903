import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { SKIPPED } from "../../executor/execute.ts";
import { checkCompatible, kinds, type TKind } from "../../types/kinds.ts";
import { numberedInputs, portNames, zCount } from "../shared.ts";

export const merge = defineNode({
  type: "logic/merge@v1",
  title: "Merge",
  category: "logic",
  description:
    "Joins the sides of a Branch: passes on the first input (x0, x1, …) that was not skipped. When every input was skipped, the merge is skipped too.",
  params: z.object({ count: zCount(2, 8, "inputs") }),
  acceptsSkipped: true,
  ports: (p) => ({ inputs: numberedInputs(p.count, kinds.any()), outputs: { value: kinds.any() } }),
  infer({ params, inputs }) {
    // The output kind is known when every connected input has the same kind (either fits the other).
    const connected = portNames(params.count).map((p) => inputs[p]).filter((k): k is TKind => k !== undefined);
    const first = connected[0];
    if (!first || connected.some((k) => checkCompatible(k, first) || checkCompatible(first, k))) return {};
    return { outputs: { value: first } };
  },
  execute(inputs, p) {
    for (const port of portNames(p.count)) if (inputs[port] !== SKIPPED) return { value: inputs[port] };
    return { value: SKIPPED };
  },
});
