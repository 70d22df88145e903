import { createHash } from "node:crypto";
import type { TPrisma } from "../../db/client.ts";
import type { TCompileResult } from "../../engine/compiler/compile.ts";
import { graphContentHash } from "../../engine/graph/hash.ts";
import { AppError } from "../../errors.ts";
import { parseGraph } from "../drafts/parse-graph.ts";
import { DEFAULT_LOG_POLICY, type TLogPolicy } from "../invocations/payload-policy.ts";
import { compileGraph } from "./compile-graph.ts";
import { DEFAULT_CACHE_POLICY, type TCachePolicy } from "./response-cache.ts";

export type TRunTarget = { draft: true } | { version: number } | { alias: string; route?: TRoute };

/**
 * How a call is placed in an alias's canary split: `key` (X-Inferline-Route-Key, else the API key id) for a
 * sticky split, `draw` (uniform in [0, 1), drawn once per request) otherwise or when there is no key; an alias
 * target without a route (batch jobs, OpenAPI, metadata) gets the alias's own version. A
 * caller that resolves twice (OIP: for the input kinds, then to run) passes the same route and lands on the
 * same version both times.
 */
export interface TRoute {
  key: string | null;
  draw: number;
}

/** An alias as the resolver caches it: its version, its canary split and its shadow. */
interface TAliasEntry {
  number: number;
  canary: { number: number; weight: number; sticky: boolean } | null;
  shadow: number | null;
  at: number;
}

export interface TRunnable {
  pipelineId: string;
  slug: string;
  version: number | null;
  alias: string | null;
  draftHash: string | null;
  /** The version's content hash (null for a draft). */
  contentHash: string | null;
  compiled: TCompileResult;
  /** What the invocation log keeps of this pipeline's runs (cached with the pipeline, `ttlMs`). */
  logPolicy: TLogPolicy;
  /** The pipeline's response cache setting (cached with the pipeline, `ttlMs`). */
  cachePolicy: TCachePolicy;
  /** Alias targets: the version that receives a copy of this call (never answers it); null = none. */
  shadow: number | null;
}

/**
 * Finds and compiles what a run targets. Versions are immutable, so their compiled plans are cached for
 * good (bounded); pipeline and alias lookups are cached for `ttlMs` (0 = always read), so moving an alias
 * reaches every replica within that time and this process at once (`invalidate`).
 */
export class RunnableResolver {
  readonly #pipelines = new Map<string, { id: string; archived: boolean; logPolicy: TLogPolicy; cachePolicy: TCachePolicy; at: number }>();
  readonly #aliases = new Map<string, TAliasEntry>();
  readonly #plans = new Map<string, { compiled: TCompileResult; contentHash: string }>();

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
      return { pipelineId: p.id, slug, version: null, alias: null, draftHash: graphContentHash(graph), contentHash: null, compiled: await compileGraph(this.db, graph, { pipeline: slug }), logPolicy: p.logPolicy, cachePolicy: p.cachePolicy, shadow: null };
    }
    const alias = "alias" in target ? target.alias : null;
    let number: number;
    let shadow: number | null = null;
    if ("alias" in target) {
      const a = await this.#alias(p.id, slug, target.alias, now);
      // No route (batch jobs, OpenAPI, metadata): the alias's own version; only calls are split.
      number = a.canary && target.route && routeBucket(p.id, target.alias, a.canary.sticky, target.route) < a.canary.weight ? a.canary.number : a.number;
      shadow = a.shadow;
    } else number = (target as { version: number }).version;
    const key = `${p.id}#${number}`;
    let plan = this.#plans.get(key);
    if (!plan) {
      const v = await this.db.pipelineVersion.findUnique({ where: { pipelineId_number: { pipelineId: p.id, number } }, select: { graph: true, layout: true, contentHash: true } });
      if (!v) throw new AppError("NOT_FOUND", `Pipeline '${slug}' has no version ${number}.`, { slug, version: number });
      plan = { compiled: await compileGraph(this.db, parseGraph(v.graph, v.layout).graph, { pipeline: slug }), contentHash: v.contentHash };
      // Only cache plans that compile: a missing model may be uploaded later.
      if (plan.compiled.ok && this.opts.ttlMs > 0) {
        if (this.#plans.size >= (this.opts.maxPlans ?? 500)) this.#plans.delete(this.#plans.keys().next().value!);
        this.#plans.set(key, plan);
      }
    }
    return { pipelineId: p.id, slug, version: number, alias, draftHash: null, contentHash: plan.contentHash, compiled: plan.compiled, logPolicy: p.logPolicy, cachePolicy: p.cachePolicy, shadow };
  }

  async #pipeline(slug: string, now: number) {
    const hit = this.#pipelines.get(slug);
    if (hit && now - hit.at < this.opts.ttlMs) return hit;
    const p = await this.db.pipeline.findUnique({ where: { slug }, select: { id: true, archived: true, logPayload: true, logTruncateKb: true, logRedact: true, cacheEnabled: true, cacheTtlSeconds: true } });
    if (!p) throw new AppError("NOT_FOUND", `No pipeline with slug '${slug}'.`, { slug });
    const redact = p.logRedact ?? []; // Prisma lists are nullable columns in SQL
    const logPolicy = p.logPayload === DEFAULT_LOG_POLICY.payload && redact.length === 0 ? DEFAULT_LOG_POLICY : { payload: p.logPayload, truncateKb: p.logTruncateKb, redact };
    const cachePolicy = p.cacheEnabled ? { enabled: true, ttlSeconds: p.cacheTtlSeconds } : DEFAULT_CACHE_POLICY;
    const entry = { id: p.id, archived: p.archived, logPolicy, cachePolicy, at: now };
    if (this.opts.ttlMs > 0) this.#pipelines.set(slug, entry);
    return entry;
  }

  async #alias(pipelineId: string, slug: string, name: string, now: number): Promise<TAliasEntry> {
    const key = `${pipelineId}@${name}`;
    const hit = this.#aliases.get(key);
    if (hit && now - hit.at < this.opts.ttlMs) return hit;
    const a = await this.db.alias.findUnique({
      where: { pipelineId_name: { pipelineId, name } },
      select: { version: { select: { number: true } }, canary: { select: { number: true } }, canaryWeight: true, canarySticky: true, shadow: { select: { number: true } } },
    });
    if (!a) throw new AppError("NOT_FOUND", `Pipeline '${slug}' has no alias '${name}'${name === "production" ? " (publish a version by pointing 'production' at it)" : ""}.`, { slug, alias: name });
    const entry: TAliasEntry = {
      number: a.version.number,
      canary: a.canary && a.canaryWeight !== null ? { number: a.canary.number, weight: a.canaryWeight, sticky: a.canarySticky } : null,
      shadow: a.shadow?.number ?? null,
      at: now,
    };
    if (this.opts.ttlMs > 0) this.#aliases.set(key, entry);
    return entry;
  }
}

/**
 * The call's bucket in [0, 100): sticky with a key = the first 32 bits of SHA-256(pipeline, alias, key) mod
 * 100, so a caller always lands on the same side of a given split (and raising the weight only moves
 * callers onto the canary); otherwise the request's draw.
 */
export function routeBucket(pipelineId: string, alias: string, sticky: boolean, route: TRoute): number {
  if (sticky && route.key) return createHash("sha256").update(`${pipelineId}\0${alias}\0${route.key}`).digest().readUInt32BE(0) % 100;
  return Math.floor(route.draw * 100);
}
