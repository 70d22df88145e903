import { createHash } from "node:crypto";
import { AppError } from "../../errors.ts";
import type { TPrisma } from "../../db/client.ts";
import { recordAudit, type TTx } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { assertNotArchived, findPipeline } from "../pipelines/find-pipeline.ts";
import { visitAssetRefs } from "./load-assets.ts";

/** Assets are vocabularies and label lists, not models: 16 MiB holds the largest tokenizer.json files. */
export const ASSET_MAX_BYTES = 16 * 1024 * 1024;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const SELECT = { name: true, sha256: true, sizeBytes: true, mediaType: true, createdAt: true } as const;

export interface TUploadAssetInput {
  slug: string;
  name: string;
  bytes: Uint8Array;
  mediaType?: string | undefined;
}

/**
 * Stores a file for a pipeline's nodes under a name. Uploading other bytes under a name adds a row (the name's
 * latest); the same bytes again change nothing. Nodes reference {name, sha256}, so drafts pick the new file up
 * when the editor re-points them, and committed versions keep theirs.
 */
export async function uploadAsset({ db, actor }: TActorDeps, input: TUploadAssetInput) {
  assertRole(actor, "editor");
  assertAssetName(input.name);
  if (input.bytes.length === 0) throw new AppError("INVALID_INPUT", "The file is empty.", { field: "content" });
  if (input.bytes.length > ASSET_MAX_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `Assets are at most ${ASSET_MAX_BYTES / 1024 / 1024} MiB.`, { size: input.bytes.length });
  const sha256 = createHash("sha256").update(input.bytes).digest("hex");
  const mediaType = input.mediaType ?? guessMediaType(input.name);
  return db.$transaction(async (tx) => {
    const p = await findPipeline(tx, input.slug);
    assertNotArchived(p);
    await tx.assetBlob.upsert({ where: { sha256 }, create: { sha256, sizeBytes: input.bytes.length, data: input.bytes as Uint8Array<ArrayBuffer> }, update: {} });
    const existing = await tx.pipelineAsset.findUnique({ where: { pipelineId_name_sha256: { pipelineId: p.id, name: input.name, sha256 } }, select: SELECT });
    if (existing) return { ...existing, created: false };
    const row = await tx.pipelineAsset.create({ data: { pipelineId: p.id, name: input.name, sha256, sizeBytes: input.bytes.length, mediaType, createdById: actor.id }, select: SELECT });
    await recordAudit(tx, actor, "asset.upload", p.id, { name: input.name, sha256, sizeBytes: input.bytes.length });
    return { ...row, created: true };
  });
}

/** A file name, never a path: the upload route checks it before reading the body. */
export function assertAssetName(name: string): void {
  if (!NAME.test(name)) throw new AppError("INVALID_INPUT", "Asset names are file names: letters, digits, '.', '_' or '-', up to 128 characters, starting with a letter or digit.", { field: "name" });
}

export interface TAssetUsage {
  /** Draft nodes that refer to the name, with the file (hash) each points at: an earlier one after a replace. */
  draft: { node: string; sha256: string }[];
  /** Committed versions whose graph refers to the name (any of its files). */
  versions: number[];
}

/** Where each asset name of a pipeline is used: by the draft's nodes (sub-graphs included) and by committed versions. */
async function assetUsage(db: TPrisma | TTx, pipelineId: string): Promise<Map<string, TAssetUsage>> {
  const usage = new Map<string, TAssetUsage>();
  const of = (name: string) => usage.get(name) ?? usage.set(name, { draft: [], versions: [] }).get(name)!;
  const draft = await db.draft.findUnique({ where: { pipelineId }, select: { graph: true } });
  for (const n of (draft?.graph as { nodes?: { id: string; params?: unknown }[] } | null)?.nodes ?? []) {
    visitAssetRefs(n.params, (r) => {
      const uses = of(r.name).draft;
      if (!uses.some((u) => u.node === n.id && u.sha256 === r.sha256)) uses.push({ node: n.id, sha256: r.sha256 });
    });
  }
  // The same rule as visitAssetRefs, in SQL: version graphs are not loaded into this process.
  const rows = await db.$queryRaw<{ number: number; name: string }[]>`
    SELECT DISTINCT v."number" AS number,
      jsonb_path_query(v."graph", '$.** ? (@.sha256 like_regex "^[0-9a-f]{64}$" && @.name.type() == "string").name') #>> '{}' AS name
    FROM "PipelineVersion" v WHERE v."pipelineId" = ${pipelineId}::uuid
    ORDER BY 1`;
  for (const r of rows) of(r.name).versions.push(Number(r.number));
  return usage;
}

/** Every name with its latest file first, the earlier files under that name, and where the name is used. */
export async function listAssets({ db }: TActorDeps, slug: string) {
  const p = await findPipeline(db, slug);
  const rows = await db.pipelineAsset.findMany({ where: { pipelineId: p.id }, orderBy: [{ name: "asc" }, { createdAt: "desc" }], select: SELECT });
  const usage = await assetUsage(db, p.id);
  const byName = new Map<string, (typeof rows)[number][]>();
  for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  return [...byName.values()].map(([latest, ...history]) => ({ ...latest!, history, usedBy: usage.get(latest!.name) ?? { draft: [], versions: [] } }));
}

/** The bytes of one file of a pipeline (the editor's preview and download). */
export async function getAssetContent({ db }: TActorDeps, input: { slug: string; name: string; sha256?: string | undefined }) {
  const p = await findPipeline(db, input.slug);
  const row = await db.pipelineAsset.findFirst({
    where: { pipelineId: p.id, name: input.name, ...(input.sha256 ? { sha256: input.sha256 } : {}) },
    orderBy: { createdAt: "desc" },
    select: { ...SELECT, blob: { select: { data: true } } },
  });
  if (!row) throw new AppError("NOT_FOUND", `Pipeline '${input.slug}' has no asset '${input.name}'.`, { name: input.name });
  const { blob, ...meta } = row;
  return { ...meta, contentBase64: Buffer.from(blob.data).toString("base64") };
}

/**
 * Removes a name from the pipeline's assets (every file under it). Refused with ASSET_IN_USE (naming the draft's
 * nodes and the versions) while the draft or a committed version refers to the name: versions are immutable, and
 * a file that vanished from the list while nodes still use it would be a surprise. The bytes stay either way.
 */
export async function deleteAsset({ db, actor }: TActorDeps, input: { slug: string; name: string }) {
  assertRole(actor, "editor");
  return db.$transaction(async (tx) => {
    const p = await findPipeline(tx, input.slug);
    assertNotArchived(p);
    // Commits take this row's lock too: no version can start using the name between the check and the delete.
    await tx.$queryRaw`SELECT "id" FROM "Pipeline" WHERE "id" = ${p.id}::uuid FOR UPDATE`;
    if ((await tx.pipelineAsset.count({ where: { pipelineId: p.id, name: input.name } })) === 0) {
      throw new AppError("NOT_FOUND", `Pipeline '${input.slug}' has no asset '${input.name}'.`, { name: input.name });
    }
    const used = (await assetUsage(tx, p.id)).get(input.name);
    const draftNodes = [...new Set(used?.draft.map((u) => u.node))];
    const versions = used?.versions ?? [];
    if (draftNodes.length || versions.length) {
      const users = [
        ...(draftNodes.length ? [`the draft (node${draftNodes.length > 1 ? "s" : ""} ${draftNodes.join(", ")})`] : []),
        ...(versions.length ? [`version${versions.length > 1 ? "s" : ""} ${versions.slice(0, 10).join(", ")}${versions.length > 10 ? ", …" : ""}`] : []),
      ];
      const advice = versions.length ? "Committed versions never change, so the name stays while one uses it." : "Point those nodes at another asset first.";
      throw new AppError("ASSET_IN_USE", `Asset '${input.name}' is used by ${users.join(" and ")}. ${advice}`, { name: input.name, draftNodes, versions: versions.slice(0, 100) });
    }
    const { count } = await tx.pipelineAsset.deleteMany({ where: { pipelineId: p.id, name: input.name } });
    await recordAudit(tx, actor, "asset.delete", p.id, { name: input.name, files: count });
    return { name: input.name, deleted: count };
  });
}

function guessMediaType(name: string): string {
  if (/\.json$/i.test(name)) return "application/json";
  if (/\.(txt|csv|tsv|vocab)$/i.test(name)) return "text/plain";
  return "application/octet-stream";
}
