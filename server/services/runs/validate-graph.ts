import type { TActorDeps } from "../context.ts";
import { parseGraph } from "../drafts/parse-graph.ts";
import { compileGraph } from "./compile-graph.ts";

/**
 * Compiles a graph for the editor: every issue, and the port kinds after propagation. Runs nothing. `slug`:
 * the pipeline the graph is a draft of, so a sub-pipeline leading back to it is reported as a cycle.
 */
export async function validateGraph({ db }: TActorDeps, input: { graph: unknown; slug?: string | undefined }) {
  const { graph } = parseGraph(input.graph, {});
  const { ok, issues, ports, plan } = await compileGraph(db, graph, { pipeline: input.slug });
  return {
    ok,
    issues,
    ports,
    inputs: plan?.inputs.map((i) => ({ name: i.name, nodeId: i.nodeId, kind: i.kind, required: i.required })) ?? [],
    outputs: plan?.outputs.map((o) => ({ name: o.name, nodeId: o.nodeId, kind: o.kind })) ?? [],
  };
}
