import { compile, type TCompileResult } from "../../engine/compiler/compile.ts";
import type { TCompileEnv, TModelInfo, TPipelineInfo } from "../../engine/define-node.ts";
import type { TGraph } from "../../engine/graph/schema.ts";
import { registry } from "../../engine/nodes/index.ts";
import { SUBPIPELINE_MAX_DEPTH, subPipelineNodes } from "../../engine/nodes/logic/pipeline.ts";
import type { TPrisma } from "../../db/client.ts";
import { loadAssets } from "../assets/load-assets.ts";
import { parseGraph } from "../drafts/parse-graph.ts";

/**
 * The models, assets and sub-pipelines a graph refers to, looked up in the registry: the only I/O compiling
 * needs. `pipeline`: the slug of the pipeline the graph belongs to, so a sub-pipeline that leads back to it is
 * refused as a cycle. Referenced versions' own models, assets and sub-pipelines are loaded too.
 */
export async function loadCompileEnv(db: TPrisma, graph: TGraph, opts: { pipeline?: string | undefined } = {}): Promise<TCompileEnv> {
  const pipelines = await loadPipelines(db, graph);
  const inner = [...pipelines.values()].flatMap((p) => [...p.versions.values()]);
  const all: TGraph = inner.length ? { ...graph, nodes: [graph, ...inner].flatMap(allNodes) } : graph;
  const [models, assets] = await Promise.all([loadModels(db, all), loadAssets(db, all)]);
  return { models, assets, pipelines, ...(opts.pipeline ? { pipelineChain: [opts.pipeline] } : {}) };
}

/**
 * The pipelines sub-pipeline nodes name (their aliases, version count) and the versions they run, level by
 * level through the referenced versions' own sub-pipelines, at most one level past the depth limit (the
 * compiler reports that level). A version is loaded once, so a cycle ends the walk.
 */
async function loadPipelines(db: TPrisma, graph: TGraph): Promise<Map<string, TPipelineInfo & { versions: Map<number, TGraph> }>> {
  const out = new Map<string, TPipelineInfo & { versions: Map<number, TGraph> }>();
  let frontier = [graph];
  for (let level = 0; level <= SUBPIPELINE_MAX_DEPTH && frontier.length; level++) {
    const refs = frontier.flatMap((g) => subPipelineNodes(g)).map((n) => n.params as { pipeline?: unknown; version?: unknown; alias?: unknown });
    const missing = [...new Set(refs.flatMap((r) => (typeof r.pipeline === "string" && !out.has(r.pipeline) ? [r.pipeline] : [])))];
    if (missing.length) {
      const rows = await db.pipeline.findMany({ where: { slug: { in: missing } }, select: { slug: true, versionCount: true, aliases: { select: { name: true, version: { select: { number: true } } } } } });
      for (const r of rows) out.set(r.slug, { slug: r.slug, versionCount: r.versionCount, aliases: Object.fromEntries(r.aliases.map((a) => [a.name, a.version.number])), versions: new Map() });
    }
    const wanted = new Map<string, { slug: string; number: number }>();
    for (const r of refs) {
      const info = typeof r.pipeline === "string" ? out.get(r.pipeline) : undefined;
      const number = typeof r.version === "number" ? r.version : typeof r.alias === "string" ? info?.aliases[r.alias] : undefined;
      if (info && number !== undefined && !info.versions.has(number)) wanted.set(`${info.slug}@${number}`, { slug: info.slug, number });
    }
    if (wanted.size === 0) break;
    const versions = await db.pipelineVersion.findMany({
      where: { OR: [...wanted.values()].map((w) => ({ number: w.number, pipeline: { slug: w.slug } })) },
      select: { number: true, graph: true, layout: true, pipeline: { select: { slug: true } } },
    });
    frontier = versions.map((v) => {
      const g = parseGraph(v.graph, v.layout).graph;
      out.get(v.pipeline.slug)!.versions.set(v.number, g);
      return g;
    });
  }
  return out;
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

/** `pipeline`: the slug the graph belongs to (see loadCompileEnv). */
export async function compileGraph(db: TPrisma, graph: TGraph, opts: { pipeline?: string | undefined } = {}): Promise<TCompileResult> {
  return compile(graph, registry, await loadCompileEnv(db, graph, opts));
}

/** The graph's nodes and those of its sub-graphs (list/map params), at any depth. */
function allNodes(graph: TGraph): TGraph["nodes"] {
  return graph.nodes.flatMap((n) => {
    const sub = (n.params as { graph?: { nodes?: unknown } }).graph;
    return Array.isArray(sub?.nodes) ? [n, ...allNodes(sub as TGraph)] : [n];
  });
}
