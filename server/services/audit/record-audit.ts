import type { TPrisma } from "../../db/client.ts";
import type { TActor } from "../context.ts";

type TTx = Parameters<Parameters<TPrisma["$transaction"]>[0]>[0];

export type TAuditAction =
  | "auth.setup"
  | "user.create"
  | "user.role"
  | "pipeline.create"
  | "pipeline.rename"
  | "pipeline.archive"
  | "pipeline.logPolicy"
  | "pipeline.cachePolicy"
  | "pipeline.unarchive"
  | "version.commit"
  | "alias.set"
  | "alias.split"
  | "alias.promote"
  | "apikey.create"
  | "apikey.revoke"
  | "apikey.rotate"
  | "model.upload"
  | "model.labels"
  | "model.delete"
  | "asset.upload"
  | "asset.delete";

/** Written inside the caller's transaction, so the change and its audit row commit together. */
export async function recordAudit(
  tx: TTx | TPrisma,
  actor: TActor | null,
  action: TAuditAction,
  pipelineId: string | null,
  details: Record<string, string | number | boolean | null>,
): Promise<void> {
  await tx.auditLog.create({
    data: { actorId: actor?.id ?? null, actorEmail: actor?.email ?? null, action, pipelineId, details },
  });
}

export type { TTx };
