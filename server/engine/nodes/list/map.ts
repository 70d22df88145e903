import { z } from "zod";
import { compile, type TCompileResult, type TPlan } from "../../compiler/compile.ts";
import { defineNode, type TCompileEnv, type TNodeIssue, type TPortSpec } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { coerceInput } from "../../executor/coerce-input.ts";
import { elementTraces, runMapPlan } from "../../executor/map-plan.ts";
import { ZGraph, ZIoName, type TGraph } from "../../graph/schema.ts";
import { formatKind, kinds, refineKind, ZKind, type TKind } from "../../types/kinds.ts";

const INPUT = /^io\/input@v\d+$/;
const OUTPUT = /^io\/output@v\d+$/;

export const zSubGraphParams = z.object({
  graph: ZGraph.meta({ description: "The per-element pipeline: an Input named like `item` gets each element; other Inputs become ports of this node, given to every element; each Output becomes a list output" }),
  item: ZIoName.default("item").meta({ description: "Name of the sub-graph Input that receives each element" }),
  batch: z.boolean().default(true).meta({ description: "Run models once for all elements when their tensors have one shape" }),
});
type TParams = Pick<z.infer<typeof zSubGraphParams>, "graph" | "item">;

export interface TSub {
  result: TCompileResult;
  inputs: { name: string; kind: TKind; required: boolean }[];
  outputs: { name: string; nodeId: string }[];
}

/** The sub-graph's declared inputs/outputs (from its io nodes), compiled with the item kind when known. */
export function compileSub(p: TParams, env: TCompileEnv, itemKind?: TKind): TSub | null {
  if (!env.registry) return null;
  const inputs: TSub["inputs"] = [];
  const outputs: TSub["outputs"] = [];
  const graph: TGraph = {
    ...p.graph,
    nodes: p.graph.nodes.map((n) => {
      if (INPUT.test(n.type)) {
        const name = String(n.params.name ?? "");
        const parsed = ZKind.safeParse(n.params.kind ?? { kind: "json" });
        const declared = parsed.success ? parsed.data : kinds.json();
        const kind = name === p.item && itemKind ? refineKind(declared, itemKind) : declared;
        inputs.push({ name, kind, required: n.params.required !== false && n.params.default === undefined });
        return name === p.item && itemKind ? { ...n, params: { ...n.params, kind: kind as never } } : n;
      }
      if (OUTPUT.test(n.type)) outputs.push({ name: String(n.params.name ?? ""), nodeId: n.id });
      return n;
    }),
  };
  return { result: compile(graph, env.registry, env), inputs, outputs };
}

export function subIssues(sub: TSub, item: string): TNodeIssue[] {
  const issues: TNodeIssue[] = sub.result.issues.map((i) => ({
    code: i.code,
    severity: i.severity,
    message: `in the sub-graph${i.nodeId ? `, node '${i.nodeId}'` : ""}: ${i.message}`,
    ...(i.expected !== undefined ? { expected: i.expected } : {}),
    ...(i.actual !== undefined ? { actual: i.actual } : {}),
  }));
  if (!sub.inputs.some((i) => i.name === item)) issues.push({ code: "MISSING_INPUT", message: `the sub-graph has no Input named '${item}' to receive each element` });
  if (sub.inputs.some((i) => i.name === "items")) issues.push({ code: "DUPLICATE_NAME", message: "a sub-graph Input may not be called 'items' (the list port)" });
  return issues;
}

/** A plan with the inner nodes' resolved data (model hashes) as its cache identity. */
export function resolvedOf(plan: TPlan) {
  return { plan, toJSON: () => plan.order.map((id) => plan.nodes.get(id)!.resolved ?? null) };
}

export const map = defineNode({
  type: "list/map@v1",
  title: "For each",
  category: "list",
  description:
    "Runs a small pipeline (its params' graph) on every element of a list: detections → crop each → recognise → decode. The sub-graph's Input named `item` gets each element; its other Inputs become ports of this node whose value every element shares (the whole image); each of its Outputs becomes a list output, one value per element, in order. Models inside run once for all elements when their tensors have one shape (batched along the first dim), else element by element. An empty list gives empty lists.",
  params: zSubGraphParams,
  ports: (p, env) => {
    const sub = compileSub(p, env);
    if (!sub) return { inputs: {}, outputs: {}, issues: [{ code: "INVALID_PARAMS", message: "the sub-graph cannot be compiled here (no registry)" }] };
    const issues = subIssues(sub, p.item);
    const item = sub.inputs.find((i) => i.name === p.item);
    const inputs: Record<string, TPortSpec> = { items: { kind: kinds.list(item?.kind ?? kinds.any()), description: "The list to map over" } };
    for (const i of sub.inputs) if (i.name !== p.item) inputs[i.name] = { kind: i.kind, optional: !i.required, description: "Shared by every element" };
    const outputs = Object.fromEntries(sub.outputs.map((o) => [o.name, kinds.list(sub.result.ports[o.nodeId]?.inputs.value ?? kinds.any())]));
    return { inputs, outputs, issues, ...(sub.result.plan ? { resolved: resolvedOf(sub.result.plan) } : {}) };
  },
  infer({ params, inputs, env }) {
    const items = inputs.items;
    if (items?.kind !== "list" || items.of.kind === "any") return {};
    const before = compileSub(params, env);
    const sub = compileSub(params, env, items.of);
    if (!sub || !before) return {};
    const seen = new Set(before.result.issues.map((i) => `${i.code} ${i.nodeId} ${i.message}`));
    const fresh = sub.result.issues.filter((i) => !seen.has(`${i.code} ${i.nodeId} ${i.message}`));
    const issues = subIssues({ ...sub, result: { ...sub.result, issues: fresh } }, params.item).filter((i) => i.code !== "MISSING_INPUT" && i.code !== "DUPLICATE_NAME");
    return { outputs: Object.fromEntries(sub.outputs.map((o) => [o.name, kinds.list(sub.result.ports[o.nodeId]?.inputs.value ?? kinds.any())])), issues };
  },
  async execute(inputs, p, ctx) {
    const { plan } = ctx.resolved as { plan: TPlan };
    const items = inputs.items;
    if (!Array.isArray(items)) throw new NodeInputError(`expected a list, got ${items === null ? "null" : typeof items}`, "items");
    const given = new Map<string, { each: readonly unknown[] } | { all: unknown }>();
    for (const i of plan.inputs) {
      if (i.name === p.item) {
        given.set(
          i.nodeId,
          {
            each: items.map((v, e) => {
              try {
                return coerceInput(v, i.kind);
              } catch (err) {
                throw new NodeInputError(`element ${e}: expected ${formatKind(i.kind)}: ${(err as Error).message}`, "items");
              }
            }),
          },
        );
        continue;
      }
      const v = inputs[i.name] ?? i.default;
      if (v === undefined) continue;
      try {
        // Defaults arrive as JSON, like pipeline inputs: convert them to the Input's kind the same way.
        given.set(i.nodeId, { all: coerceInput(v, i.kind) });
      } catch (err) {
        throw new NodeInputError(`expected ${formatKind(i.kind)}: ${(err as Error).message}`, i.name);
      }
    }
    // Per-element previews for the editor: the first elements' inner traces, kept even when an element fails.
    const traced = elementTraces(items.length);
    try {
      const { outputs } = await runMapPlan(plan, { inputs: given, count: items.length, batch: p.batch, ctx, trace: traced.at });
      return outputs;
    } finally {
      ctx.recordSub?.(traced.sub);
    }
  },
});
