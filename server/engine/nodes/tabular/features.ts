import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { fromNumbers } from "../../values/tensor.ts";

export const features = defineNode({
  type: "tabular/features@v1",
  title: "Features from record",
  category: "tabular",
  description:
    "Turns a JSON record (or a list of records) into a [rows, features] tensor, taking the named fields in exactly this order — the order the model was trained with. Booleans become 0/1.",
  params: z.object({
    fields: z.array(z.string().min(1).max(200)).min(1).max(4096).meta({ description: "Field names, in the model's feature order" }),
    dtype: z.enum(["float32", "float64"]).default("float32"),
    missing: z.enum(["error", "nan"]).default("error").meta({ description: "A missing or null field: fail, or NaN for an impute node downstream" }),
  }),
  ports: (p) => ({
    inputs: { record: { kind: kinds.json(), description: "An object, or a list of objects" } },
    outputs: { features: kinds.tensor(p.dtype, ["rows", p.fields.length]) },
  }),
  execute(inputs, p) {
    const raw = inputs.record;
    const rows = Array.isArray(raw) ? raw : [raw];
    const values = new Array<number>(rows.length * p.fields.length);
    rows.forEach((row, r) => {
      const where = Array.isArray(raw) ? `record[${r}]` : "record";
      if (row === null || typeof row !== "object" || Array.isArray(row)) throw new NodeInputError(`${where} is not an object`, "record");
      p.fields.forEach((f, c) => {
        const v = (row as Record<string, unknown>)[f];
        let n: number;
        if (v === undefined || v === null) {
          if (p.missing === "error") throw new NodeInputError(`${where} has no field '${f}'`, "record");
          n = NaN;
        } else if (typeof v === "boolean") n = v ? 1 : 0;
        else if (typeof v === "number" && Number.isFinite(v)) n = v;
        else throw new NodeInputError(`${where}.${f} is ${JSON.stringify(v)}, expected a number`, "record");
        values[r * p.fields.length + c] = n;
      });
    });
    return { features: fromNumbers(p.dtype, [rows.length, p.fields.length], values) };
  },
});
