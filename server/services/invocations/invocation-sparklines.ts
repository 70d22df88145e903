import { assertRole, type TActorDeps } from "../context.ts";

const HOUR_MS = 3_600_000;

/**
 * Requests per hour over the last 24 hours for every pipeline (archived ones included), for the sparklines
 * of the pipelines list: `counts[0]` is the hour starting at `from`, `counts[23]` the current hour.
 */
export async function invocationSparklines({ db, actor }: TActorDeps, now = new Date()) {
  assertRole(actor, "viewer");
  const from = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
  const rows = await db.$queryRaw<{ pipelineId: string; h: number; n: number }[]>`
    SELECT "pipelineId"::text AS "pipelineId", floor(extract(epoch FROM "startedAt") / 3600)::float8 AS h, count(*)::int AS n
    FROM "Invocation" WHERE "startedAt" >= ${new Date(from)}
    GROUP BY 1, 2`;
  const pipelines = await db.pipeline.findMany({ select: { id: true, slug: true }, orderBy: { slug: "asc" } });
  const counts = new Map(pipelines.map((p) => [p.id, new Array<number>(24).fill(0)]));
  for (const r of rows) {
    const i = r.h - from / HOUR_MS;
    const c = counts.get(r.pipelineId);
    if (c && i >= 0 && i < 24) c[i]! += r.n;
  }
  return {
    from,
    pipelines: pipelines.map((p) => {
      const c = counts.get(p.id)!;
      return { slug: p.slug, counts: c, total: c.reduce((a, b) => a + b, 0) };
    }),
  };
}
