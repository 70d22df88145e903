import type { TPortKinds } from "./editor-context";
import type { TCatalogEntry, TNodePorts } from "./types";

/**
 * A node's ports: the compiler's (after dtype/shape propagation) when it described the node, else the
 * catalogue's static ports, else unknown (ports that depend on params the node does not have yet).
 */
export function resolvePorts(entry: TCatalogEntry | undefined, compiled: TPortKinds | undefined): TNodePorts {
  if (compiled) {
    return {
      known: true,
      inputs: Object.entries(compiled.inputs).map(([name, kind]) => ({ name, kind, optional: entry?.ports?.inputs[name]?.optional ?? false })),
      outputs: Object.entries(compiled.outputs).map(([name, kind]) => ({ name, kind })),
    };
  }
  if (entry?.ports) {
    return {
      known: true,
      inputs: Object.entries(entry.ports.inputs).map(([name, spec]) => ({ name, kind: spec.kind, optional: spec.optional })),
      outputs: Object.entries(entry.ports.outputs).map(([name, kind]) => ({ name, kind })),
    };
  }
  return { known: false, inputs: [], outputs: [] };
}

export const CATEGORY_LABELS: Record<string, string> = {
  io: "Inputs & outputs",
  tabular: "Tabular",
  tensor: "Tensor",
  model: "Models",
  postprocessing: "Post-processing",
  logic: "Logic",
};

export const CATEGORY_ORDER = ["io", "tabular", "tensor", "model", "postprocessing", "logic"];
