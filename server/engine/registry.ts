import { z } from "zod";
import type { TAnyNodeDefinition, TNodeDefinition } from "./define-node.ts";
import type { TKind } from "./types/kinds.ts";

export interface TRegistry {
  get(type: string): TNodeDefinition<unknown> | undefined;
  all(): readonly TNodeDefinition<unknown>[];
}

const TYPE_PATTERN = /^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*@v[1-9][0-9]*$/;

/** An explicit, ordered registry, checked when built: well-formed, unique types. */
export function createRegistry(defs: readonly TAnyNodeDefinition[]): TRegistry {
  const byType = new Map<string, TNodeDefinition<unknown>>();
  for (const d of defs as readonly TNodeDefinition<unknown>[]) {
    if (!TYPE_PATTERN.test(d.type)) throw new Error(`node type '${d.type}' is not 'category/name@vN'`);
    if (byType.has(d.type)) throw new Error(`node type '${d.type}' is registered twice`);
    if (!d.type.startsWith(`${d.category}/`) && !(d.category === "postprocessing" && d.type.startsWith("post/"))) {
      throw new Error(`node type '${d.type}' does not match its category '${d.category}'`);
    }
    byType.set(d.type, d);
  }
  const list = [...byType.values()];
  return { get: (t) => byType.get(t), all: () => list };
}

export interface TCatalogEntry {
  type: string;
  title: string;
  category: string;
  description: string;
  /** JSON Schema (draft 2020-12) of the params, for generated forms. */
  paramsSchema: unknown;
  /** Static ports; null when ports depend on params (the editor asks the compiler). */
  ports: { inputs: Record<string, { kind: TKind; optional: boolean }>; outputs: Record<string, TKind> } | null;
}

/** The node catalogue served to the editor: data only, derived from the definitions. */
export function catalog(registry: TRegistry): TCatalogEntry[] {
  return registry.all().map((d) => ({
    type: d.type,
    title: d.title,
    category: d.category,
    description: d.description,
    paramsSchema: z.toJSONSchema(d.params, { io: "input", unrepresentable: "any" }),
    ports:
      typeof d.ports === "function"
        ? null
        : {
            inputs: Object.fromEntries(Object.entries(d.ports.inputs).map(([k, v]) => [k, { kind: v.kind, optional: v.optional ?? false }])),
            outputs: d.ports.outputs,
          },
  }));
}
