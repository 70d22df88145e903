import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { newApiKey } from "./key-format.ts";

const PUBLIC_SELECT = {
  id: true,
  name: true,
  prefix: true,
  pipelines: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  rateLimitPerMinute: true,
  createdAt: true,
  rotatedFromId: true,
} as const;

export interface TCreateApiKeyInput {
  name: string;
  /** Empty: every pipeline. */
  pipelines: string[];
  expiresAt?: Date | null | undefined;
  rateLimitPerMinute?: number | null | undefined;
}

/** Creates a key; the full key is returned here once and never again. */
export async function createApiKey({ db, actor }: TActorDeps, input: TCreateApiKeyInput) {
  assertRole(actor, "admin");
  await assertPipelinesExist(db, input.pipelines);
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new AppError("INVALID_INPUT", "The expiry date is in the past.", { field: "expiresAt" });
  const { key, prefix, secretHash } = newApiKey();
  return db.$transaction(async (tx) => {
    const row = await tx.apiKey.create({
      data: { name: input.name, prefix, secretHash, pipelines: input.pipelines, expiresAt: input.expiresAt ?? null, rateLimitPerMinute: input.rateLimitPerMinute ?? null, createdById: actor.id },
      select: PUBLIC_SELECT,
    });
    await recordAudit(tx, actor, "apikey.create", null, { name: row.name, prefix: row.prefix, scope: input.pipelines.join(",") || "*" });
    return { ...row, key };
  });
}

export async function listApiKeys({ db, actor }: TActorDeps) {
  assertRole(actor, "admin");
  return db.apiKey.findMany({ orderBy: { createdAt: "desc" }, select: PUBLIC_SELECT });
}

export async function revokeApiKey({ db, actor }: TActorDeps, id: string) {
  assertRole(actor, "admin");
  return db.$transaction(async (tx) => {
    const k = await tx.apiKey.findUnique({ where: { id }, select: { name: true, prefix: true, revokedAt: true } });
    if (!k) throw new AppError("NOT_FOUND", "No such API key.", { id });
    const row = k.revokedAt ? await tx.apiKey.findUniqueOrThrow({ where: { id }, select: PUBLIC_SELECT }) : await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() }, select: PUBLIC_SELECT });
    if (!k.revokedAt) await recordAudit(tx, actor, "apikey.revoke", null, { name: k.name, prefix: k.prefix });
    return row;
  });
}

/**
 * Rotation with an overlap: a new key with the same name and scope, and the old one expiring after
 * `overlapMinutes` (0 = now), so clients can switch without downtime.
 */
export async function rotateApiKey({ db, actor }: TActorDeps, input: { id: string; overlapMinutes: number }) {
  assertRole(actor, "admin");
  const { key, prefix, secretHash } = newApiKey();
  return db.$transaction(async (tx) => {
    const old = await tx.apiKey.findUnique({ where: { id: input.id }, select: { name: true, prefix: true, pipelines: true, expiresAt: true, revokedAt: true, rateLimitPerMinute: true } });
    if (!old) throw new AppError("NOT_FOUND", "No such API key.", { id: input.id });
    if (old.revokedAt) throw new AppError("INVALID_INPUT", "A revoked key cannot be rotated; create a new one.", { id: input.id });
    const overlapEnd = new Date(Date.now() + input.overlapMinutes * 60_000);
    const oldExpiry = old.expiresAt && old.expiresAt < overlapEnd ? old.expiresAt : overlapEnd;
    await tx.apiKey.update({ where: { id: input.id }, data: { expiresAt: oldExpiry } });
    const row = await tx.apiKey.create({
      data: { name: old.name, prefix, secretHash, pipelines: old.pipelines, expiresAt: null, rateLimitPerMinute: old.rateLimitPerMinute, createdById: actor.id, rotatedFromId: input.id },
      select: PUBLIC_SELECT,
    });
    await recordAudit(tx, actor, "apikey.rotate", null, { name: old.name, from: old.prefix, to: prefix, oldExpiresAt: oldExpiry.toISOString() });
    return { ...row, key, previousExpiresAt: oldExpiry };
  });
}

async function assertPipelinesExist(db: TActorDeps["db"], slugs: string[]) {
  if (slugs.length === 0) return;
  const found = await db.pipeline.findMany({ where: { slug: { in: slugs } }, select: { slug: true } });
  const missing = slugs.filter((s) => !found.some((f) => f.slug === s));
  if (missing.length) throw new AppError("NOT_FOUND", `Unknown pipeline${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}.`, { slugs: missing });
}
