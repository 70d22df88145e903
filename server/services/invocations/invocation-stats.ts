import { AppError } from "../../errors.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";

export interface TInvocationStatsInput {
  slug: string;
  from: Date;
  to: Date;
  bucket: "minute" | "hour";
}

const BUCKET_SECONDS = { minute: 60, hour: 3600 } as const;
const MAX_BUCKETS = 2_000;

/**
 * A pipeline's dashboard over [from, to): per bucket (minute or hour, aligned to UTC epoch) the number of
 * finished runs, errors (error + abandoned), p50/p95/p99 run duration — computed in SQL (percentile_cont) —
 * plus the slowest nodes over the range, from the traces (p95 and mean per node). Empty buckets are
 * omitted; `bucketStart` is epoch milliseconds. Runs still `running` are not counted, nor shadow copies (their
 * calls are counted once, by the run that answered; aliasComparison shows the copies).
 */
export async function invocationStats({ db, actor }: TActorDeps, input: TInvocationStatsInput) {
  assertRole(actor, "viewer");
  const step = BUCKET_SECONDS[input.bucket];
  if (input.to <= input.from) throw new AppError("INVALID_INPUT", "'to' must be after 'from'.", { field: "to" });
  if ((input.to.getTime() - input.from.getTime()) / 1000 / step > MAX_BUCKETS) {
    throw new AppError("INVALID_INPUT", `At most ${MAX_BUCKETS} buckets per request: shorten the range or use hourly buckets.`, { field: "from" });
  }
  const p = await findPipeline(db, input.slug);
  const buckets = await db.$queryRaw<{ t: number; count: number; errors: number; p50: number | null; p95: number | null; p99: number | null }[]>`
    SELECT (floor(extract(epoch FROM "startedAt") / ${step}) * ${step} * 1000)::float8 AS t,
           count(*)::int AS count,
           (count(*) FILTER (WHERE status IN ('error', 'abandoned')))::int AS errors,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY "durationMs") AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY "durationMs") AS p95,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY "durationMs") AS p99
    FROM "Invocation"
    WHERE "pipelineId" = ${p.id}::uuid AND "startedAt" >= ${input.from} AND "startedAt" < ${input.to} AND status <> 'running' AND "shadowOf" IS NULL
    GROUP BY 1 ORDER BY 1`;
  const slowestNodes = await db.$queryRaw<{ node: string; type: string; count: number; meanMs: number; p95Ms: number }[]>`
    SELECT e->>'nodeId' AS node, e->>'type' AS type, count(*)::int AS count,
           avg((e->>'durationMs')::float8) AS "meanMs",
           percentile_cont(0.95) WITHIN GROUP (ORDER BY (e->>'durationMs')::float8) AS "p95Ms"
    FROM "Invocation" i CROSS JOIN LATERAL json_array_elements(CASE WHEN json_typeof(i.trace) = 'array' THEN i.trace ELSE '[]'::json END) e
    WHERE i."pipelineId" = ${p.id}::uuid AND i."startedAt" >= ${input.from} AND i."startedAt" < ${input.to} AND e->>'status' IN ('ok', 'error') AND i."shadowOf" IS NULL
    GROUP BY 1, 2 ORDER BY "p95Ms" DESC LIMIT 10`;
  return {
    slug: p.slug,
    bucket: input.bucket,
    buckets: buckets.map((b) => ({ bucketStart: b.t, count: b.count, errors: b.errors, p50Ms: b.p50, p95Ms: b.p95, p99Ms: b.p99 })),
    slowestNodes,
  };
}
