import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";

const OPS = { ">=": (a: number, b: number) => a >= b, ">": (a: number, b: number) => a > b, "<=": (a: number, b: number) => a <= b, "<": (a: number, b: number) => a < b } as const;

export const filter = defineNode({
  type: "list/filter@v1",
  title: "Filter list",
  category: "list",
  description:
    "Keeps the elements of a list whose numeric field passes a comparison (confidence ≥ 0.5), and optionally drops elements whose text field is empty. Elements without the field are dropped. `kept` gives the indices kept, in order.",
  params: z.object({
    field: z.string().min(1).max(64).default("score").meta({ description: "Key of the number to compare (the element itself when it is a number)" }),
    op: z.enum([">=", ">", "<=", "<"]).default(">="),
    value: z.number().default(0.5),
    nonEmpty: z.string().max(64).optional().meta({ description: "Also drop elements whose value at this key is an empty string" }),
  }),
  ports: { inputs: { list: { kind: kinds.list(kinds.any()) } }, outputs: { list: kinds.list(kinds.any()), kept: kinds.list(kinds.integer()) } },
  infer: ({ inputs }) => ({ outputs: { list: inputs.list?.kind === "list" ? inputs.list : kinds.list(kinds.any()) } }),
  execute(inputs, p) {
    const list = inputs.list;
    if (!Array.isArray(list)) throw new NodeInputError("expected a list", "list");
    const kept: number[] = [];
    list.forEach((v, i) => {
      const o = v !== null && typeof v === "object" ? (v as Record<string, unknown>) : null;
      const x = typeof v === "number" ? v : o?.[p.field];
      if (typeof x !== "number" || !OPS[p.op](x, p.value)) return;
      if (p.nonEmpty !== undefined && o?.[p.nonEmpty] === "") return;
      kept.push(i);
    });
    return { list: kept.map((i) => list[i]), kept };
  },
});
