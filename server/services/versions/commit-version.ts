import { graphContentHash } from "../../engine/graph/hash.ts";
import type { TGraph } from "../../engine/graph/schema.ts";
import { subPipelineNodes } from "../../engine/nodes/logic/pipeline.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { parseGraph } from "../drafts/parse-graph.ts";
import { assertNotArchived, findPipeline } from "../pipelines/find-pipeline.ts";

export interface TCommitVersionInput {
  slug: string;
  message: string;
  /** When given, the commit is refused if the draft moved on since the client saw it. */
  draftRevision?: number | undefined;
}

/** Freezes the current draft as the next immutable version (1, 2, 3 … per pipeline). */
export async function commitVersion({ db, actor }: TActorDeps, input: TCommitVersionInput) {
  assertRole(actor, "editor");
  return db.$transaction(async (tx) => {
    const p = await findPipeline(tx, input.slug);
    assertNotArchived(p);
    const draft = await tx.draft.findUniqueOrThrow({ where: { pipelineId: p.id }, select: { graph: true, layout: true, revision: true, updatedAt: true, updatedById: true } });
    if (input.draftRevision !== undefined && input.draftRevision !== draft.revision) {
      const by = draft.updatedById ? await tx.user.findUnique({ where: { id: draft.updatedById }, select: { email: true } }) : null;
      throw new AppError("DRAFT_CONFLICT", `The draft changed since you loaded it (revision ${input.draftRevision} → ${draft.revision}${by ? `, by ${by.email}` : ""}); reload before committing.`, {
        baseRevision: input.draftRevision,
        currentRevision: draft.revision,
        updatedAt: draft.updatedAt.toISOString(),
        updatedBy: by?.email ?? null,
      });
    }
    const { graph, layout } = parseGraph(draft.graph, draft.layout);
    if (graph.nodes.length === 0) throw new AppError("INVALID_GRAPH", "A version needs at least one node; the draft is empty.", { issues: [{ path: "graph.nodes", message: "a version needs at least one node" }] });
    const pinned = await pinSubPipelines(tx, graph);
    // The increment takes the pipeline's row lock: concurrent commits get consecutive numbers.
    const { versionCount: number } = await tx.pipeline.update({ where: { id: p.id }, data: { versionCount: { increment: 1 } }, select: { versionCount: true } });
    const v = await tx.pipelineVersion.create({
      data: { pipelineId: p.id, number, graph, layout, contentHash: graphContentHash(graph), message: input.message, authorId: actor.id },
      select: { number: true, contentHash: true, message: true, createdAt: true },
    });
    await recordAudit(tx, actor, "version.commit", p.id, { version: v.number, contentHash: v.contentHash, ...(pinned.length ? { pinned: pinned.map((x) => `${x.node}: ${x.pipeline}@${x.alias} → v${x.version}`).join(", ") } : {}) });
    return v;
  });
}

/**
 * A version never follows an alias: each sub-pipeline node that names an alias and no version (any depth,
 * inside For each bodies too) gets the version the alias points at now (`alias` is kept, for information),
 * so moving the other pipeline's alias later changes nothing here. An alias that does not exist refuses the commit.
 */
async function pinSubPipelines(tx: Pick<TActorDeps["db"], "alias">, graph: TGraph) {
  const pinned: { node: string; pipeline: string; alias: string; version: number }[] = [];
  for (const n of subPipelineNodes(graph)) {
    const { pipeline, version, alias } = n.params as { pipeline?: unknown; version?: unknown; alias?: unknown };
    if (version !== undefined || typeof alias !== "string" || typeof pipeline !== "string") continue;
    const a = await tx.alias.findFirst({ where: { name: alias, pipeline: { slug: pipeline } }, select: { version: { select: { number: true } } } });
    if (!a) {
      const message = `node '${n.id}' follows alias '${alias}' of pipeline '${pipeline}', which does not exist; pick a version or an existing alias`;
      throw new AppError("INVALID_GRAPH", `The draft cannot be committed: ${message}.`, { issues: [{ path: `graph.nodes.${n.id}.params.alias`, message, code: "SUBPIPELINE_ALIAS_NOT_FOUND" }] });
    }
    n.params = { ...n.params, version: a.version.number };
    pinned.push({ node: n.id, pipeline, alias, version: a.version.number });
  }
  return pinned;
}
