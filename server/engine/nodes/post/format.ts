import { z } from "zod";
import { defineNode, type TPortSpec } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { isTensor } from "../../values/tensor.ts";
import { toJsonValue } from "../../values/to-json.ts";

const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const REF = /^\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+|\[\d+\])*)$/;

/** "$name.a[0].b" in a template → that part of input `name`; other values are copied. */
function fill(template: unknown, values: Record<string, unknown>): unknown {
  if (typeof template === "string") {
    const m = REF.exec(template);
    if (!m) return template;
    let v: unknown = values[m[1]!];
    for (const part of m[2]!.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
      if (isTensor(v)) v = toJsonValue(v);
      const key = part.startsWith("[") ? Number(part.slice(1, -1)) : part.slice(1);
      v = v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[key] : undefined;
    }
    return v ?? null;
  }
  if (Array.isArray(template)) return template.map((t) => fill(t, values));
  if (template !== null && typeof template === "object") return Object.fromEntries(Object.entries(template).map(([k, t]) => [k, fill(t, values)]));
  return template;
}

function refs(template: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof template === "string") {
    const m = REF.exec(template);
    if (m) out.add(m[1]!);
  } else if (Array.isArray(template)) template.forEach((t) => refs(t, out));
  else if (template !== null && typeof template === "object") Object.values(template).forEach((t) => refs(t, out));
  return out;
}

export const format = defineNode({
  type: "post/format@v1",
  title: "Format response",
  category: "postprocessing",
  description:
    'Shapes values into the JSON the API returns. Each name in `fields` becomes an input port; the template is any JSON in which a string "$name" is replaced by that input and "$name.key[0]" by a part of it. Without a template the result is {name: value, …}. Tensors become {dtype, shape, data}.',
  params: z
    .object({
      fields: z.array(z.string().regex(FIELD, "field names are identifiers")).min(1).max(32).default(["value"]),
      template: z.json().optional().meta({ description: 'e.g. {"objects": "$detections", "best": "$detections[0].label"}' }),
    })
    .superRefine((p, ctx) => {
      if (new Set(p.fields).size !== p.fields.length) ctx.addIssue({ code: "custom", path: ["fields"], message: "field names must be unique" });
      for (const r of refs(p.template)) if (!p.fields.includes(r)) ctx.addIssue({ code: "custom", path: ["template"], message: `the template refers to $${r}, which is not a field` });
    }),
  ports: (p) => ({ inputs: Object.fromEntries(p.fields.map((f): [string, TPortSpec] => [f, { kind: kinds.any() }])), outputs: { value: kinds.json() } }),
  execute(inputs, p) {
    const values: Record<string, unknown> = {};
    for (const f of p.fields) {
      if (!(f in inputs)) throw new NodeInputError("not connected", f);
      values[f] = inputs[f];
    }
    return { value: p.template === undefined ? values : fill(p.template, values) };
  },
});
