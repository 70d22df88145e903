import { compile, type TCompileResult } from "../../engine/compiler/compile.ts";
import type { TCompileEnv, TModelInfo } from "../../engine/define-node.ts";
import type { TGraph } from "../../engine/graph/schema.ts";
import { registry } from "../../engine/nodes/index.ts";
import type { TPrisma } from "../../db/client.ts";
import { loadAssets } from "../assets/load-assets.ts";

/** The models and assets a graph refers to, looked up in the registry: the only I/O compiling needs. */
export async function loadCompileEnv(db: TPrisma, graph: TGraph): Promise<TCompileEnv> {
  const [models, assets] = await Promise.all([loadModels(db, graph), loadAssets(db, graph)]);
  return { models, assets };
}

async function loadModels(db: TPrisma, graph: TGraph): Promise<Map<string, TModelInfo>> {
  const refs = new Map<string, { name: string; version: number }>();
  for (const n of allNodes(graph)) {
    if (!n.type.startsWith("model/onnx@")) continue;
    const { model, version } = n.params as { model?: unknown; version?: unknown };
    if (typeof model === "string" && typeof version === "number") refs.set(`${model}@${version}`, { name: model, version });
  }
  const models = new Map<string, TModelInfo>();
  if (refs.size === 0) return models;
  const rows = await db.modelVersion.findMany({
    where: { OR: [...refs.values()].map((r) => ({ number: r.version, model: { name: r.name } })) },
    select: { number: true, sha256: true, metadata: true, labels: true, model: { select: { name: true } } },
  });
  for (const r of rows) {
    const meta = r.metadata as unknown as Pick<TModelInfo, "inputs" | "outputs">;
    models.set(`${r.model.name}@${r.number}`, {
      name: r.model.name,
      version: r.number,
      sha256: r.sha256,
      inputs: meta.inputs,
      outputs: meta.outputs,
      labels: Array.isArray(r.labels) ? (r.labels as string[]) : null,
    });
  }
  return models;
}

export async function compileGraph(db: TPrisma, graph: TGraph): Promise<TCompileResult> {
  return compile(graph, registry, await loadCompileEnv(db, graph));
}

/** The graph's nodes and those of its sub-graphs (list/map params), at any depth. */
function allNodes(graph: TGraph): TGraph["nodes"] {
  return graph.nodes.flatMap((n) => {
    const sub = (n.params as { graph?: { nodes?: unknown } }).graph;
    return Array.isArray(sub?.nodes) ? [n, ...allNodes(sub as TGraph)] : [n];
  });
}
