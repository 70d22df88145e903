import { z } from "zod";
import { defineNode, type TPortSpec } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";

const FIELD = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "field names are identifiers");

export const zip = defineNode({
  type: "list/zip@v1",
  title: "Zip lists",
  category: "list",
  description:
    "Regroups lists of one length element by element into a list of objects, one field per input: detections and the texts recognised in them become [{detection, text}, …]. Fields listed in `spread` must hold objects whose keys are copied in instead ([{box, score, text}, …]).",
  params: z
    .object({
      fields: z.array(FIELD).min(1).max(16).default(["a", "b"]),
      spread: z.array(FIELD).max(16).default([]).meta({ description: "Fields whose object values are merged into the element" }),
    })
    .superRefine((p, ctx) => {
      if (new Set(p.fields).size !== p.fields.length) ctx.addIssue({ code: "custom", path: ["fields"], message: "field names must be unique" });
      for (const s of p.spread) if (!p.fields.includes(s)) ctx.addIssue({ code: "custom", path: ["spread"], message: `'${s}' is not a field` });
    }),
  ports: (p) => ({ inputs: Object.fromEntries(p.fields.map((f): [string, TPortSpec] => [f, { kind: kinds.list(kinds.any()) }])), outputs: { list: kinds.list(kinds.json()) } }),
  execute(inputs, p) {
    const lists = p.fields.map((f) => {
      const v = inputs[f];
      if (!Array.isArray(v)) throw new NodeInputError(`expected a list, got ${v === null ? "null" : typeof v}`, f);
      return v;
    });
    const n = lists[0]!.length;
    lists.forEach((l, i) => {
      if (l.length !== n) throw new NodeInputError(`has ${l.length} elements but '${p.fields[0]}' has ${n}`, p.fields[i]);
    });
    const list = Array.from({ length: n }, (_, e) => {
      const out: Record<string, unknown> = {};
      p.fields.forEach((f, i) => {
        const v = lists[i]![e];
        if (!p.spread.includes(f)) {
          out[f] = v;
          return;
        }
        if (v === null || typeof v !== "object" || Array.isArray(v)) throw new NodeInputError(`element ${e} is not an object, so it cannot be spread`, f);
        Object.assign(out, v);
      });
      return out;
    });
    return { list };
  },
});
