import { AppError } from "../../errors.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { apiKeyNames, pipelineNames } from "./list-invocations.ts";

/**
 * One logged run in full: inputs and outputs as the pipeline's log policy kept them, error, and the
 * trace (per-node start, duration, status, output summaries) — what the detail view and replay need.
 */
export async function getInvocation({ db, actor }: TActorDeps, id: string) {
  assertRole(actor, "viewer");
  const row = await db.invocation.findUnique({
    where: { id },
    select: {
      id: true,
      pipelineId: true,
      versionNumber: true,
      alias: true,
      draftHash: true,
      source: true,
      status: true,
      errorCode: true,
      errorNode: true,
      errorMessage: true,
      startedAt: true,
      durationMs: true,
      trace: true,
      inputs: true,
      outputs: true,
      truncated: true,
      cached: true,
      shadowOf: true,
      apiKeyId: true,
      userId: true,
    },
  });
  if (!row) throw new AppError("NOT_FOUND", `No invocation ${id}.`, { id });
  const { pipelineId, apiKeyId, userId, ...rest } = row;
  const [pipelines, keys, user, shadows] = await Promise.all([
    pipelineNames(db, [pipelineId]),
    apiKeyNames(db, [apiKeyId]),
    userId ? db.user.findUnique({ where: { id: userId }, select: { id: true, name: true, email: true } }) : null,
    // The shadow copies of this call (an alias with a shadow version): logged beside it, never returned.
    rest.shadowOf ? [] : db.invocation.findMany({ where: { shadowOf: id }, select: { id: true, versionNumber: true, status: true }, orderBy: { startedAt: "asc" }, take: 10 }),
  ]);
  return {
    ...rest,
    pipeline: pipelines.get(pipelineId) ?? { slug: null, name: null },
    apiKey: apiKeyId ? { id: apiKeyId, name: keys.get(apiKeyId) ?? null } : null,
    user: user ?? (userId ? { id: userId, name: null, email: null } : null),
    shadows,
  };
}
