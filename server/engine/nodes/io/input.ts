import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { ZIoName } from "../../graph/schema.ts";
import { ZKind } from "../../types/kinds.ts";

export const input = defineNode({
  type: "io/input@v1",
  title: "Input",
  category: "io",
  description: "A named pipeline input. Its name is the field callers send; its kind is checked before anything runs.",
  params: z.object({
    name: ZIoName.meta({ description: "Field name in the API request" }),
    kind: ZKind.default({ kind: "json" }).meta({ description: "What the input holds" }),
    required: z.boolean().default(true),
    default: z.json().optional().meta({ description: "Used when the caller omits an optional input" }),
    description: z.string().max(500).optional(),
  }),
  ports: (p) => ({ inputs: {}, outputs: { value: p.kind } }),
  execute: (inputs) => ({ value: inputs.value }),
});
