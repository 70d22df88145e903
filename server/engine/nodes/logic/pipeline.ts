import { z } from "zod";
import { compile, type TCompileIssue, type TPlan } from "../../compiler/compile.ts";
import { defineNode, type TCompileEnv, type TDescribeResult, type TNodeIssue, type TPortSpec } from "../../define-node.ts";
import { CodedNodeError, NodeInputError } from "../../errors.ts";
import { execute, RunError, type TSubTrace, type TTraceEntry } from "../../executor/execute.ts";
import type { TGraph } from "../../graph/schema.ts";
import type { TKind } from "../../types/kinds.ts";

/** How many pipelines deep sub-pipelines may nest (a pipeline using one that uses one … four levels). */
export const SUBPIPELINE_MAX_DEPTH = 4;

export const SUBPIPELINE_TYPE = /^logic\/pipeline@v\d+$/;

export const zSubPipelineParams = z.object({
  pipeline: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "a pipeline slug: lowercase letters, digits and single hyphens")
    .max(63)
    .meta({ description: "The pipeline to run, by slug" }),
  version: z.int().min(1).optional().meta({ description: "The committed version to run. Set by a commit when the draft names an alias, so a version never changes behaviour" }),
  alias: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, "an alias name such as 'production'")
    .optional()
    .meta({ description: "Follow this alias (e.g. production) in the draft; committing pins the version it points at" }),
});
export type TSubPipelineParams = z.infer<typeof zSubPipelineParams>;

/** What execute needs: the inner plan. `toJSON` is the node's cache identity (pipeline, version, inner models). */
interface TResolved {
  plan: TPlan;
  pipeline: string;
  version: number;
  toJSON: () => unknown;
}

/** The version a node runs: `version` when set (always, in a committed graph), else where `alias` points now. */
function target(p: TSubPipelineParams, env: TCompileEnv): { version: number; graph: TGraph } | TNodeIssue {
  const info = env.pipelines?.get(p.pipeline);
  if (!info) return { code: "SUBPIPELINE_NOT_FOUND", message: `there is no pipeline '${p.pipeline}'`, actual: p.pipeline };
  let version = p.version;
  if (version === undefined) {
    if (p.alias === undefined) return { code: "SUBPIPELINE_NO_VERSION", message: `pick a version or an alias of '${p.pipeline}' to run` };
    version = info.aliases[p.alias];
    if (version === undefined) {
      const known = Object.keys(info.aliases);
      return { code: "SUBPIPELINE_ALIAS_NOT_FOUND", message: `pipeline '${p.pipeline}' has no alias '${p.alias}' (it has: ${known.join(", ") || "none"})`, actual: p.alias };
    }
  }
  const graph = info.versions.get(version);
  if (!graph) {
    return { code: "SUBPIPELINE_VERSION_NOT_FOUND", message: `pipeline '${p.pipeline}' has no version ${version} (${info.versionCount ? `versions 1–${info.versionCount}` : "no committed versions"})`, actual: String(version) };
  }
  return { version, graph };
}

/** The inner compile's errors as one issue on this node, keeping a cycle's or depth's own code. */
function innerIssue(errors: TCompileIssue[], where: string): TNodeIssue {
  const nested = errors.find((i) => i.code === "SUBPIPELINE_CYCLE" || i.code === "SUBPIPELINE_TOO_DEEP");
  const shown = (nested ? [nested] : errors).slice(0, 3).map((i) => `${i.nodeId ? `node '${i.nodeId}': ` : ""}${i.message}`);
  return { code: nested?.code ?? "SUBPIPELINE_INVALID", message: `${where} does not compile: ${shown.join("; ")}${errors.length > shown.length && !nested ? ` (and ${errors.length - shown.length} more)` : ""}` };
}

function describe(p: TSubPipelineParams, env: TCompileEnv): TDescribeResult {
  const none = (issue: TNodeIssue): TDescribeResult => ({ inputs: {}, outputs: {}, issues: [issue] });
  const chain = env.pipelineChain ?? [];
  if (chain.includes(p.pipeline)) return none({ code: "SUBPIPELINE_CYCLE", message: `uses pipeline '${p.pipeline}', which uses this one: ${[...chain.slice(chain.indexOf(p.pipeline)), p.pipeline].join(" → ")}`, actual: p.pipeline });
  const depth = (env.pipelineDepth ?? 0) + 1;
  if (depth > SUBPIPELINE_MAX_DEPTH) return none({ code: "SUBPIPELINE_TOO_DEEP", message: `sub-pipelines nest at most ${SUBPIPELINE_MAX_DEPTH} levels deep; '${p.pipeline}' would be level ${depth} (${[...chain, p.pipeline].join(" → ")})` });
  if (!env.registry) return none({ code: "INVALID_PARAMS", message: "the sub-pipeline cannot be compiled here (no registry)" });
  const t = target(p, env);
  if ("code" in t) return none(t);
  const where = `pipeline '${p.pipeline}' v${t.version}`;
  const inner = compile(t.graph, env.registry, { ...env, pipelineChain: [...chain, p.pipeline], pipelineDepth: depth });
  if (!inner.plan) return none(innerIssue(inner.issues.filter((i) => i.severity === "error"), where));
  const plan = inner.plan;
  const inputs: Record<string, TPortSpec> = Object.fromEntries(plan.inputs.map((i) => [i.name, { kind: i.kind, optional: !i.required, description: `Input '${i.name}' of ${where}` }]));
  const outputs: Record<string, TKind> = Object.fromEntries(plan.outputs.map((o) => [o.name, o.kind]));
  const resolved: TResolved = {
    plan,
    pipeline: p.pipeline,
    version: t.version,
    toJSON: () => ({ pipeline: p.pipeline, version: t.version, nodes: plan.order.map((id) => plan.nodes.get(id)!.resolved ?? null) }),
  };
  return { inputs, outputs, resolved };
}

/** The inner run's trace as the node's sub-trace: one "element", its entries by inner node id. */
function nested(trace: TTraceEntry[]): TSubTrace {
  return { count: 1, elements: [{ index: 0, nodes: Object.fromEntries(trace.map((t) => [t.nodeId, t])) }] };
}

/** An inner run's failure, as this node's: bad inputs name the port, coded node errors keep their reason. */
function innerFailure(e: RunError, where: string): Error {
  const message = `in ${where}: ${e.message}`;
  if (e.code === "INVALID_INPUT") return new NodeInputError(message, e.port);
  if (e.cause instanceof CodedNodeError) return new CodedNodeError(e.cause.code, message);
  return new Error(message, { cause: e });
}

export const subPipeline = defineNode({
  type: "logic/pipeline@v1",
  title: "Sub-pipeline",
  category: "logic",
  description:
    "Runs a committed version of another pipeline as one step: its Inputs become this node's input ports and its Outputs its output ports, with their kinds. Pick a version, or an alias such as production: the draft follows the alias, and committing pins the version it points at, so a committed version never changes when the alias moves. It runs inside this run (same deadline, same models); its nodes appear nested under this one in the trace. A pipeline may not use itself, directly or through others, and sub-pipelines nest at most 4 levels deep.",
  params: zSubPipelineParams,
  ports: describe,
  async execute(inputs, _p, ctx) {
    const { plan, pipeline, version } = ctx.resolved as TResolved;
    const given = Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined));
    try {
      const r = await execute(plan, given, { models: ctx.models, codecs: ctx.codecs, signal: ctx.signal });
      ctx.recordSub?.(nested(r.trace));
      return r.outputs;
    } catch (e) {
      if (!(e instanceof RunError)) throw e;
      ctx.recordSub?.(nested(e.trace));
      throw innerFailure(e, `pipeline '${pipeline}' v${version}`);
    }
  },
});

/** Every sub-pipeline node of a graph, its list/map sub-graphs included (the objects themselves, to read or pin). */
export function subPipelineNodes(graph: { nodes: { id: string; type: string; params: Record<string, unknown> }[] }): { id: string; params: Record<string, unknown> }[] {
  return graph.nodes.flatMap((n) => {
    const sub = n.params.graph as { nodes?: unknown } | undefined;
    const inner = Array.isArray(sub?.nodes) ? subPipelineNodes(sub as never) : [];
    return SUBPIPELINE_TYPE.test(n.type) ? [n, ...inner] : inner;
  });
}
