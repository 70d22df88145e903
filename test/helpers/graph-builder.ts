import type { TGraph } from "@/server/engine/graph/schema.ts";

/** Builds graphs for engine tests: `const g = new GraphBuilder(); const a = g.add("io/input@v1", {...}); g.connect(a, "value", b, "x")`. */
export class GraphBuilder {
  readonly nodes: TGraph["nodes"] = [];
  readonly edges: TGraph["edges"] = [];
  #n = 0;

  add(type: string, params: Record<string, unknown> = {}, id?: string): string {
    const nodeId = id ?? `n${++this.#n}`;
    this.nodes.push({ id: nodeId, type, params: params as TGraph["nodes"][number]["params"] });
    return nodeId;
  }

  connect(from: string, fromPort: string, to: string, toPort: string, id?: string): string {
    const edgeId = id ?? `e${this.edges.length + 1}`;
    this.edges.push({ id: edgeId, source: { node: from, port: fromPort }, target: { node: to, port: toPort } });
    return edgeId;
  }

  /** input node → … : shorthand for a named pipeline input. */
  input(name: string, kind: unknown = { kind: "json" }, extra: Record<string, unknown> = {}): string {
    return this.add("io/input@v1", { name, kind, ...extra }, `in_${name}`);
  }

  output(name: string, from: string, fromPort: string): string {
    const id = this.add("io/output@v1", { name }, `out_${name}`);
    this.connect(from, fromPort, id, "value");
    return id;
  }

  build(): TGraph {
    return { schemaVersion: 1, nodes: [...this.nodes], edges: [...this.edges] };
  }
}
