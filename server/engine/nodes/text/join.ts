import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";

export const join = defineNode({
  type: "text/join@v1",
  title: "Join text",
  category: "text",
  description: "Joins a list of strings (or of objects, by their `field`) with a separator: the lines an OCR pipeline read, as one text. Empty strings are skipped unless keepEmpty.",
  params: z.object({
    separator: z.string().max(100).default("\n"),
    field: z.string().max(64).optional().meta({ description: "For a list of objects: the key holding the text" }),
    keepEmpty: z.boolean().default(false),
  }),
  ports: { inputs: { list: { kind: kinds.list(kinds.any()) } }, outputs: { text: kinds.string() } },
  execute(inputs, p) {
    const list = inputs.list;
    if (!Array.isArray(list)) throw new NodeInputError("expected a list", "list");
    const parts = list.map((v, i) => {
      const s = p.field !== undefined && v !== null && typeof v === "object" ? (v as Record<string, unknown>)[p.field] : v;
      if (typeof s !== "string") throw new NodeInputError(`element ${i} is not a string${p.field ? ` (at '${p.field}')` : ""}`, "list");
      return s;
    });
    return { text: parts.filter((s) => p.keepEmpty || s !== "").join(p.separator) };
  },
});
