import type { TPrisma } from "../../db/client.ts";
import type { TCompileResult } from "../../engine/compiler/compile.ts";
import { graphContentHash } from "../../engine/graph/hash.ts";
import { AppError } from "../../errors.ts";
import { parseGraph } from "../drafts/parse-graph.ts";
import { DEFAULT_LOG_POLICY, type TLogPolicy } from "../invocations/payload-policy.ts";
import { compileGraph } from "./compile-graph.ts";

export type TRunTarget = { draft: true } | { version: number } | { alias: string };

export interface TRunnable {
  pipelineId: string;
  slug: string;
  version: number | null;
  alias: string | null;
  draftHash: string | null;
  compiled: TCompileResult;
  /** What the invocation log keeps of this pipeline's runs (cached with the pipeline, `ttlMs`). */
  logPolicy: TLogPolicy;
}

/**
 * Finds and compiles what a run targets. Versions are immutable, so their compiled plans are cached for
 * good (bounded); pipeline and alias lookups are cached for `ttlMs` (0 = always read), so moving an alias
 * reaches every replica within that time and this process at once (`invalidate`).
 */
export class RunnableResolver {
  readonly #pipelines = new Map<string, { id: string; archived: boolean; logPolicy: TLogPolicy; at: number }>();
  readonly #aliases = new Map<string, { number: number; at: number }>();
  readonly #plans = new Map<string, TCompileResult>();

  constructor(
    private readonly db: TPrisma,
    private readonly opts: { ttlMs: number; maxPlans?: number; allowArchived?: boolean } = { ttlMs: 0 },
  ) {}

  invalidate(): void {
    this.#pipelines.clear();
    this.#aliases.clear();
  }

  async resolve(slug: string, target: TRunTarget): Promise<TRunnable> {
    const now = Date.now();
    const p = await this.#pipeline(slug, now);
    if (p.archived && !this.opts.allowArchived) throw new AppError("NOT_FOUND", `Pipeline '${slug}' is archived.`, { slug });
    if ("draft" in target) {
      const d = await this.db.draft.findUniqueOrThrow({ where: { pipelineId: p.id }, select: { graph: true, layout: true } });
      const { graph } = parseGraph(d.graph, d.layout);
      return { pipelineId: p.id, slug, version: null, alias: null, draftHash: graphContentHash(graph), compiled: await compileGraph(this.db, graph), logPolicy: p.logPolicy };
    }
    const alias = "alias" in target ? target.alias : null;
    const number = alias === null ? (target as { version: number }).version : await this.#alias(p.id, slug, alias, now);
    const key = `${p.id}#${number}`;
    let compiled = this.#plans.get(key);
    if (!compiled) {
      const v = await this.db.pipelineVersion.findUnique({ where: { pipelineId_number: { pipelineId: p.id, number } }, select: { graph: true, layout: true } });
      if (!v) throw new AppError("NOT_FOUND", `Pipeline '${slug}' has no version ${number}.`, { slug, version: number });
      compiled = await compileGraph(this.db, parseGraph(v.graph, v.layout).graph);
      // Only cache plans that compile: a missing model may be uploaded later.
      if (compiled.ok && this.opts.ttlMs > 0) {
        if (this.#plans.size >= (this.opts.maxPlans ?? 500)) this.#plans.delete(this.#plans.keys().next().value!);
        this.#plans.set(key, compiled);
      }
    }
    return { pipelineId: p.id, slug, version: number, alias, draftHash: null, compiled, logPolicy: p.logPolicy };
  }

  async #pipeline(slug: string, now: number) {
    const hit = this.#pipelines.get(slug);
    if (hit && now - hit.at < this.opts.ttlMs) return hit;
    const p = await this.db.pipeline.findUnique({ where: { slug }, select: { id: true, archived: true, logPayload: true, logTruncateKb: true, logRedact: true } });
    if (!p) throw new AppError("NOT_FOUND", `No pipeline with slug '${slug}'.`, { slug });
    const redact = p.logRedact ?? []; // Prisma lists are nullable columns in SQL
    const logPolicy = p.logPayload === DEFAULT_LOG_POLICY.payload && redact.length === 0 ? DEFAULT_LOG_POLICY : { payload: p.logPayload, truncateKb: p.logTruncateKb, redact };
    const entry = { id: p.id, archived: p.archived, logPolicy, at: now };
    if (this.opts.ttlMs > 0) this.#pipelines.set(slug, entry);
    return entry;
  }

  async #alias(pipelineId: string, slug: string, name: string, now: number): Promise<number> {
    const key = `${pipelineId}@${name}`;
    const hit = this.#aliases.get(key);
    if (hit && now - hit.at < this.opts.ttlMs) return hit.number;
    const a = await this.db.alias.findUnique({ where: { pipelineId_name: { pipelineId, name } }, select: { version: { select: { number: true } } } });
    if (!a) throw new AppError("NOT_FOUND", `Pipeline '${slug}' has no alias '${name}'${name === "production" ? " (publish a version by pointing 'production' at it)" : ""}.`, { slug, alias: name });
    if (this.opts.ttlMs > 0) this.#aliases.set(key, { number: a.version.number, at: now });
    return a.version.number;
  }
}
