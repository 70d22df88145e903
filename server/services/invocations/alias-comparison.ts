import type { TJson } from "../../engine/values/to-json.ts";
import { AppError } from "../../errors.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";
import { outputsAgree } from "./output-agreement.ts";

export interface TAliasComparisonInput {
  slug: string;
  alias: string;
  from: Date;
  to: Date;
}

/** Pairs (primary call, its shadow copy) whose outputs are compared, newest first. */
export const MAX_COMPARED_PAIRS = 2_000;

/**
 * What an alias with a canary and/or a shadow is doing over [from, to): per version and role (answered the
 * call, or shadow copy) the finished runs, errors (error + abandoned), p50/p95 duration; and how the shadow
 * copies compare with the calls they copy: both ok and agreeing (output-agreement.ts), both ok but
 * disagreeing, only one side failing. Agreement looks at the newest MAX_COMPARED_PAIRS pairs whose outputs
 * were both stored whole (not truncated; payload policy `full`).
 */
export async function aliasComparison({ db, actor }: TActorDeps, input: TAliasComparisonInput) {
  assertRole(actor, "viewer");
  if (input.to <= input.from) throw new AppError("INVALID_INPUT", "'to' must be after 'from'.", { field: "to" });
  const p = await findPipeline(db, input.slug);
  const a = await db.alias.findUnique({
    where: { pipelineId_name: { pipelineId: p.id, name: input.alias } },
    select: { version: { select: { number: true } }, canary: { select: { number: true } }, canaryWeight: true, canarySticky: true, shadow: { select: { number: true } } },
  });
  if (!a) throw new AppError("NOT_FOUND", `Pipeline '${input.slug}' has no alias '${input.alias}'.`, { slug: input.slug, alias: input.alias });
  const versions = await db.$queryRaw<{ version: number; shadow: boolean; count: number; errors: number; p50: number | null; p95: number | null }[]>`
    SELECT "versionNumber" AS version, ("shadowOf" IS NOT NULL) AS shadow, count(*)::int AS count,
           (count(*) FILTER (WHERE status IN ('error', 'abandoned')))::int AS errors,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY "durationMs") AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY "durationMs") AS p95
    FROM "Invocation"
    WHERE "pipelineId" = ${p.id}::uuid AND alias = ${input.alias} AND "versionNumber" IS NOT NULL
      AND "startedAt" >= ${input.from} AND "startedAt" < ${input.to} AND status <> 'running'
    GROUP BY 1, 2 ORDER BY 2, 1`;
  const pairs = await db.$queryRaw<{ pStatus: string; sStatus: string; pOutputs: TJson | null; sOutputs: TJson | null; truncated: boolean }[]>`
    SELECT p.status::text AS "pStatus", s.status::text AS "sStatus", p.outputs AS "pOutputs", s.outputs AS "sOutputs", (p.truncated OR s.truncated) AS truncated
    FROM "Invocation" s JOIN "Invocation" p ON p.id = s."shadowOf"
    WHERE s."pipelineId" = ${p.id}::uuid AND s.alias = ${input.alias} AND s."startedAt" >= ${input.from} AND s."startedAt" < ${input.to}
      AND s.status <> 'running' AND p.status <> 'running'
    ORDER BY s."startedAt" DESC LIMIT ${MAX_COMPARED_PAIRS}`;
  const agreement = { pairs: pairs.length, compared: 0, agree: 0, disagree: 0, primaryOnlyFailed: 0, shadowOnlyFailed: 0, bothFailed: 0, notComparable: 0 };
  for (const r of pairs) {
    const pOk = r.pStatus === "ok";
    const sOk = r.sStatus === "ok";
    if (!pOk || !sOk) {
      if (pOk) agreement.shadowOnlyFailed++;
      else if (sOk) agreement.primaryOnlyFailed++;
      else agreement.bothFailed++;
      continue;
    }
    if (r.truncated || !storedWhole(r.pOutputs) || !storedWhole(r.sOutputs)) {
      agreement.notComparable++;
      continue;
    }
    agreement.compared++;
    if (outputsAgree(r.pOutputs, r.sOutputs)) agreement.agree++;
    else agreement.disagree++;
  }
  return {
    alias: input.alias,
    version: a.version.number,
    canary: a.canary && a.canaryWeight !== null ? { version: a.canary.number, weight: a.canaryWeight, sticky: a.canarySticky } : null,
    shadow: a.shadow?.number ?? null,
    versions: versions.map((v) => ({ version: v.version, role: v.shadow ? ("shadow" as const) : ("served" as const), count: v.count, errors: v.errors, p50Ms: v.p50, p95Ms: v.p95 })),
    agreement,
  };
}

/** Outputs the log kept as they were answered (not none, metadata or truncated: payload-policy.ts markers). */
function storedWhole(outputs: TJson | null): outputs is { [k: string]: TJson } {
  if (outputs === null || typeof outputs !== "object" || Array.isArray(outputs)) return false;
  return Object.values(outputs).every((v) => v === null || typeof v !== "object" || Array.isArray(v) || !("$meta" in v || "$truncated" in v));
}
