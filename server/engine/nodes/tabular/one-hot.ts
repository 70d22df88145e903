import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { makeTensor } from "../../values/tensor.ts";

export const oneHot = defineNode({
  type: "tabular/one-hot@v1",
  title: "One-hot encode",
  category: "tabular",
  description:
    "Turns one categorical field of a JSON record (or of each record in a list) into a [rows, categories] tensor with a 1 in the column of its category, in the order of the category list the model was trained with. Strings and integers match exactly (\"1\" is not 1). A value not in the list — or a missing one — either fails the run or gives a row of zeros (scikit-learn's handle_unknown=\"ignore\").",
  params: z.object({
    field: z.string().min(1).max(200).meta({ description: "Name of the categorical field" }),
    categories: z
      .array(z.union([z.string(), z.int()]))
      .min(1)
      .max(4096)
      .refine((c) => new Set(c).size === c.length, "categories must be unique")
      .meta({ description: "Known categories, in the model's column order" }),
    unknown: z.enum(["error", "zeros"]).default("error").meta({ description: "A value not in the list: fail, or all zeros" }),
    dtype: z.enum(["float32", "float64"]).default("float32"),
  }),
  ports: (p) => ({
    inputs: { record: { kind: kinds.json(), description: "An object, or a list of objects" } },
    outputs: { encoded: kinds.tensor(p.dtype, ["rows", p.categories.length]) },
  }),
  execute(inputs, p) {
    const raw = inputs.record;
    const rows = Array.isArray(raw) ? raw : [raw];
    const k = p.categories.length;
    const column = new Map<unknown, number>(p.categories.map((c, i) => [c, i]));
    const out = p.dtype === "float32" ? new Float32Array(rows.length * k) : new Float64Array(rows.length * k);
    rows.forEach((row, r) => {
      const where = Array.isArray(raw) ? `record[${r}]` : "record";
      if (row === null || typeof row !== "object" || Array.isArray(row)) throw new NodeInputError(`${where} is not an object`, "record");
      const v = (row as Record<string, unknown>)[p.field];
      const c = column.get(v);
      if (c !== undefined) out[r * k + c] = 1;
      else if (p.unknown === "error") {
        const shown = v === undefined ? "missing" : JSON.stringify(v);
        throw new NodeInputError(`${where}.${p.field} is ${shown}, not one of ${JSON.stringify(p.categories.length > 20 ? [...p.categories.slice(0, 20), "…"] : p.categories)}`, "record");
      }
    });
    return { encoded: makeTensor(p.dtype, [rows.length, k], out) };
  },
});
