import { z } from "zod";
import type { TPlan } from "../../compiler/compile.ts";
import { defineNode, type TPortSpec } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { coerceInput } from "../../executor/coerce-input.ts";
import { elementTraces, runMapPlan } from "../../executor/map-plan.ts";
import { ZGraph, ZIoName } from "../../graph/schema.ts";
import { formatKind, kinds } from "../../types/kinds.ts";
import { compileSub, resolvedOf, subIssues } from "./map.ts";

export const scan = defineNode({
  type: "list/scan@v1",
  title: "For each, with state",
  category: "list",
  description:
    "Runs a small pipeline on the elements of a list one after another, carrying a state from each element to the next: recurrent models that take their own previous state (Silero VAD over 32 ms chunks, streaming decoders). The sub-graph's Input `item` gets the element and its Input `state` the state (`initial` for the first element); its Output `state` is handed to the next element. Its other Outputs become lists, one value per element; `state` also comes out as the final state. Other Inputs become shared ports, as in For each.",
  params: z.object({
    graph: ZGraph.meta({ description: "The per-element pipeline, with Inputs item and state and an Output state" }),
    item: ZIoName.default("item"),
    state: ZIoName.default("state"),
    initial: z.json().optional().meta({ description: "The first state, as the state Input's kind takes it (e.g. {dtype, shape, data} of zeros)" }),
  }),
  ports: (p, env) => {
    const sub = compileSub(p, env);
    if (!sub) return { inputs: {}, outputs: {}, issues: [{ code: "INVALID_PARAMS", message: "the sub-graph cannot be compiled here (no registry)" }] };
    const issues = subIssues(sub, p.item);
    const stateIn = sub.inputs.find((i) => i.name === p.state);
    const stateOut = sub.outputs.find((o) => o.name === p.state);
    if (!stateIn) issues.push({ code: "MISSING_INPUT", message: `the sub-graph has no Input named '${p.state}' for the state` });
    if (!stateOut) issues.push({ code: "MISSING_INPUT", message: `the sub-graph has no Output named '${p.state}' for the next state` });
    const item = sub.inputs.find((i) => i.name === p.item);
    const inputs: Record<string, TPortSpec> = {
      items: { kind: kinds.list(item?.kind ?? kinds.any()), description: "The list, in order" },
      initial: { kind: stateIn?.kind ?? kinds.any(), optional: true, description: "The first state (else the initial param)" },
    };
    for (const i of sub.inputs) if (i.name !== p.item && i.name !== p.state) inputs[i.name] = { kind: i.kind, optional: !i.required, description: "Shared by every element" };
    const outputs = Object.fromEntries(sub.outputs.map((o) => [o.name, o.name === p.state ? (sub.result.ports[o.nodeId]?.inputs.value ?? kinds.any()) : kinds.list(sub.result.ports[o.nodeId]?.inputs.value ?? kinds.any())]));
    return { inputs, outputs, issues, ...(sub.result.plan ? { resolved: resolvedOf(sub.result.plan) } : {}) };
  },
  async execute(inputs, p, ctx) {
    const { plan } = ctx.resolved as { plan: TPlan };
    const items = inputs.items;
    if (!Array.isArray(items)) throw new NodeInputError(`expected a list, got ${items === null ? "null" : typeof items}`, "items");
    const stateInput = plan.inputs.find((i) => i.name === p.state)!;
    const itemInput = plan.inputs.find((i) => i.name === p.item)!;
    const raw = inputs.initial ?? p.initial;
    if (raw === undefined) throw new NodeInputError("no initial state: connect initial or set the initial param", "initial");
    let state: unknown;
    try {
      state = coerceInput(raw, stateInput.kind);
    } catch (e) {
      throw new NodeInputError(`the initial state does not fit the state Input: ${(e as Error).message}`, "initial");
    }
    const shared = new Map<string, { all: unknown }>();
    for (const i of plan.inputs) {
      if (i === stateInput || i === itemInput) continue;
      const v = inputs[i.name] ?? i.default;
      if (v === undefined) continue;
      try {
        // Defaults arrive as JSON, like pipeline inputs: convert them to the Input's kind the same way.
        shared.set(i.nodeId, { all: coerceInput(v, i.kind) });
      } catch (err) {
        throw new NodeInputError(`expected ${formatKind(i.kind)}: ${(err as Error).message}`, i.name);
      }
    }
    const lists: Record<string, unknown[]> = Object.fromEntries(plan.outputs.filter((o) => o.name !== p.state).map((o) => [o.name, []]));
    const traced = elementTraces(items.length);
    try {
      for (let e = 0; e < items.length; e++) {
        const given = new Map<string, { each: readonly unknown[] } | { all: unknown }>(shared);
        given.set(itemInput.nodeId, { each: [items[e]] });
        given.set(stateInput.nodeId, { all: state });
        let out: Record<string, unknown[]>;
        try {
          ({ outputs: out } = await runMapPlan(plan, { inputs: given, count: 1, batch: false, ctx, trace: () => traced.at(e) }));
        } catch (err) {
          if (err instanceof Error) err.message = err.message.replace(/^element 0,/, `element ${e},`);
          throw err;
        }
        for (const name of Object.keys(lists)) lists[name]!.push(out[name]![0]);
        state = out[p.state]![0];
      }
    } finally {
      ctx.recordSub?.(traced.sub);
    }
    return { ...lists, [p.state]: state };
  },
});
