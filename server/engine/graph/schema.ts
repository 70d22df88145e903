import { z } from "zod";

/**
 * The pipeline graph as stored in drafts and versions: nodes and port-to-port edges. The pipeline's inputs
 * and outputs are its io/input and io/output nodes, named by the user (params.name): those names, never
 * node ids, are the API contract. This schema checks structure; the compiler checks meaning (types, ports,
 * params, cycles). Framework-free: no next/react/@trpc/@prisma imports here.
 */
export const GRAPH_SCHEMA_VERSION = 1;

const ZId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "ids are 1-64 letters, digits, '_' or '-'");
/** Pipeline input/output names become API field names: keep them identifier-like. */
export const ZIoName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "names start with a letter or '_' and hold letters, digits or '_'");
/** Node types are namespaced and versioned: `category/name@vN`. */
export const ZNodeType = z.string().regex(/^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*@v[1-9][0-9]*$/, "node types look like 'category/name@v1'");

export const ZPortRef = z.object({ node: ZId, port: z.string().min(1).max(64) });

export const ZGraphNode = z.object({
  id: ZId,
  type: ZNodeType,
  params: z.record(z.string(), z.json()).default({}),
  label: z.string().max(200).optional(),
});

export const ZGraphEdge = z.object({ id: ZId, source: ZPortRef, target: ZPortRef });

export const ZGraph = z
  .object({
    schemaVersion: z.literal(GRAPH_SCHEMA_VERSION),
    nodes: z.array(ZGraphNode).max(2000),
    edges: z.array(ZGraphEdge).max(10000),
  })
  .superRefine((g, ctx) => {
    const nodeIds = new Set<string>();
    g.nodes.forEach((n, i) => {
      if (nodeIds.has(n.id)) ctx.addIssue({ code: "custom", path: ["nodes", i, "id"], message: `duplicate node id '${n.id}'` });
      nodeIds.add(n.id);
    });
    const edgeIds = new Set<string>();
    g.edges.forEach((e, i) => {
      if (edgeIds.has(e.id)) ctx.addIssue({ code: "custom", path: ["edges", i, "id"], message: `duplicate edge id '${e.id}'` });
      edgeIds.add(e.id);
      for (const end of ["source", "target"] as const) {
        if (!nodeIds.has(e[end].node)) {
          ctx.addIssue({ code: "custom", path: ["edges", i, end, "node"], message: `edge '${e.id}' refers to unknown node '${e[end].node}'` });
        }
      }
    });
  });

export type TGraph = z.infer<typeof ZGraph>;

/** Layout is kept apart from the graph: moving a node never changes what a pipeline computes. */
export const ZLayout = z.object({
  nodes: z.record(z.string(), z.object({ x: z.number().finite(), y: z.number().finite() })).default({}),
  viewport: z.object({ x: z.number().finite(), y: z.number().finite(), zoom: z.number().positive() }).optional(),
});
export type TLayout = z.infer<typeof ZLayout>;

/** What a new pipeline's draft starts with: one input wired to one output. */
export function starterGraph(): { graph: TGraph; layout: TLayout } {
  return {
    graph: {
      schemaVersion: GRAPH_SCHEMA_VERSION,
      nodes: [
        { id: "input", type: "io/input@v1", params: { name: "input", kind: { kind: "json" } }, label: "Input" },
        { id: "output", type: "io/output@v1", params: { name: "output" }, label: "Output" },
      ],
      edges: [{ id: "e1", source: { node: "input", port: "value" }, target: { node: "output", port: "value" } }],
    },
    layout: { nodes: { input: { x: 0, y: 0 }, output: { x: 320, y: 0 } } },
  };
}
