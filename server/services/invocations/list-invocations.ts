import type { Prisma } from "../../db/generated/client.ts";
import type { InvocationSource, InvocationStatus } from "../../db/generated/enums.ts";
import { AppError } from "../../errors.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";

export interface TListInvocationsInput {
  slug?: string | undefined;
  /** A version number, or "draft" for editor runs of the draft. */
  version?: number | "draft" | undefined;
  /** The alias the call named (e.g. production); the row keeps it as called. */
  alias?: string | undefined;
  status?: InvocationStatus | undefined;
  source?: InvocationSource | undefined;
  apiKeyId?: string | undefined;
  /** startedAt ≥ from and < to. */
  from?: Date | undefined;
  to?: Date | undefined;
  minDurationMs?: number | undefined;
  /** nextCursor of the previous page. */
  cursor?: string | undefined;
  limit: number;
}

/** The columns a list row shows: never payloads or traces (those come with invocations.get). */
const LIST_SELECT = {
  id: true,
  pipelineId: true,
  versionNumber: true,
  alias: true,
  draftHash: true,
  source: true,
  status: true,
  errorCode: true,
  errorNode: true,
  startedAt: true,
  durationMs: true,
  truncated: true,
  cached: true,
  shadowOf: true,
  apiKeyId: true,
  userId: true,
} satisfies Prisma.InvocationSelect;

/**
 * The invocation log, newest first, filtered; keyset pagination on (startedAt, id) so pages stay stable
 * while new rows arrive (a live tail polls the first page). Any signed-in user may read it.
 */
export async function listInvocations({ db, actor }: TActorDeps, input: TListInvocationsInput) {
  assertRole(actor, "viewer");
  const pipelineId = input.slug ? (await findPipeline(db, input.slug)).id : undefined;
  const cursor = input.cursor ? decodeCursor(input.cursor) : undefined;
  const where: Prisma.InvocationWhereInput = {
    ...(pipelineId ? { pipelineId } : {}),
    ...(input.version === "draft" ? { versionNumber: null } : input.version !== undefined ? { versionNumber: input.version } : {}),
    ...(input.alias ? { alias: input.alias } : {}),
    ...(input.status ? { status: input.status } : {}),
    ...(input.source ? { source: input.source } : {}),
    ...(input.apiKeyId ? { apiKeyId: input.apiKeyId } : {}),
    ...(input.minDurationMs !== undefined ? { durationMs: { gte: input.minDurationMs } } : {}),
    startedAt: { ...(input.from ? { gte: input.from } : {}), ...(input.to ? { lt: input.to } : {}) },
    ...(cursor ? { OR: [{ startedAt: { lt: cursor.startedAt } }, { startedAt: cursor.startedAt, id: { lt: cursor.id } }] } : {}),
  };
  const rows = await db.invocation.findMany({ where, orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: input.limit + 1, select: LIST_SELECT });
  const page = rows.slice(0, input.limit);
  const [pipelines, keys] = await Promise.all([pipelineNames(db, page.map((r) => r.pipelineId)), apiKeyNames(db, page.map((r) => r.apiKeyId))]);
  const last = page.at(-1);
  return {
    items: page.map(({ pipelineId: pid, apiKeyId, ...r }) => ({ ...r, pipeline: pipelines.get(pid) ?? { slug: null, name: null }, apiKey: apiKeyId ? { id: apiKeyId, name: keys.get(apiKeyId) ?? null } : null })),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last.startedAt, last.id) : undefined,
  };
}

export async function pipelineNames(db: TActorDeps["db"], ids: string[]) {
  const unique = [...new Set(ids)];
  const rows = unique.length ? await db.pipeline.findMany({ where: { id: { in: unique } }, select: { id: true, slug: true, name: true } }) : [];
  return new Map(rows.map((p) => [p.id, { slug: p.slug as string | null, name: p.name as string | null }]));
}

export async function apiKeyNames(db: TActorDeps["db"], ids: (string | null)[]) {
  const unique = [...new Set(ids.filter((i): i is string => i !== null))];
  const rows = unique.length ? await db.apiKey.findMany({ where: { id: { in: unique } }, select: { id: true, name: true } }) : [];
  return new Map(rows.map((k) => [k.id, k.name]));
}

function encodeCursor(startedAt: Date, id: string): string {
  return `${startedAt.getTime()}_${id}`;
}

function decodeCursor(cursor: string): { startedAt: Date; id: string } {
  const m = /^(\d{1,15})_([0-9a-f-]{36})$/.exec(cursor);
  if (!m) throw new AppError("INVALID_INPUT", "Invalid cursor.", { field: "cursor" });
  return { startedAt: new Date(Number(m[1])), id: m[2]! };
}
