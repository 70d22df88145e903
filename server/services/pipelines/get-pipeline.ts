import { AppError } from "../../errors.ts";
import type { TActorDeps } from "../context.ts";

export async function getPipeline({ db }: TActorDeps, slug: string) {
  const p = await db.pipeline.findUnique({
    where: { slug },
    select: {
      slug: true,
      name: true,
      description: true,
      archived: true,
      versionCount: true,
      createdAt: true,
      updatedAt: true,
      draft: { select: { revision: true, updatedAt: true } },
      logPayload: true,
      logTruncateKb: true,
      logRedact: true,
      cacheEnabled: true,
      cacheTtlSeconds: true,
    },
  });
  if (!p) throw new AppError("NOT_FOUND", `No pipeline with slug '${slug}'.`, { slug });
  const { logPayload, logTruncateKb, logRedact, cacheEnabled, cacheTtlSeconds, ...rest } = p;
  return { ...rest, logPolicy: { payload: logPayload, truncateKb: logTruncateKb, redact: logRedact ?? [] }, cachePolicy: { enabled: cacheEnabled, ttlSeconds: cacheTtlSeconds } };
}
