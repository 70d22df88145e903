import { rename, rm } from "node:fs/promises";
import type { Prisma } from "../../db/generated/client.ts";
import { inspectModel } from "../../engine/runtime/inspect-model.ts";
import { AppError, isUniqueViolation } from "../../errors.ts";
import { recordAudit, type TTx } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { assertModelName, toVersionView, VERSION_SELECT, type TModelVersionView } from "./find-model.ts";
import { cachedModelPath, lockBlob, missingChunks, receiveToTempFile, storeChunks, type TModelFilesConfig, type TReceivedFile } from "./model-files.ts";

export interface TUploadModelInput {
  name: string;
  /** Used when the upload creates the model; an existing model keeps its description. */
  description?: string | undefined;
  /** The raw ONNX bytes, streamed (an HTTP request body). */
  body: AsyncIterable<Uint8Array>;
}

export interface TUploadModelResult {
  /** false: these exact bytes already were a version of this model, which is returned unchanged. */
  created: boolean;
  name: string;
  version: TModelVersionView;
}

/**
 * Uploads a model file as the next version of the model `name` (created on first upload).
 *
 * 1. The body streams to a temporary file while being hashed; past `maxBytes` it is refused (MODEL_TOO_LARGE).
 * 2. The same bytes already under this name: the existing version is returned (nothing stored).
 * 3. The file is inspected in a child process (inspectModel): refused models store nothing.
 * 4. The bytes are written as chunks (deduplicated by SHA-256 across models), then one short transaction
 *    checks the chunks are complete, writes the blob row, the version (next number) and the audit row.
 * 5. The verified file becomes the local cache entry for its hash.
 */
export async function uploadModel({ db, actor }: TActorDeps, files: TModelFilesConfig, input: TUploadModelInput): Promise<TUploadModelResult> {
  assertRole(actor, "editor");
  assertModelName(input.name);
  const description = (input.description ?? "").trim().slice(0, 2000);
  const received = await receiveToTempFile(input.body, files);
  try {
    if (received.sizeBytes === 0) throw new AppError("MODEL_INVALID", "The uploaded file is empty.");
    const same = await db.modelVersion.findFirst({ where: { sha256: received.sha256, model: { name: input.name } }, select: VERSION_SELECT });
    if (same) return { created: false, name: input.name, version: toVersionView(same) };

    const metadata = await inspectModel(received.path, files.inspectTimeoutMs === undefined ? {} : { timeoutMs: files.inspectTimeoutMs });
    await storeChunks(db, received.sha256, received.path);
    const commit = () =>
      db.$transaction((tx) => commitVersion(tx, actor, input.name, description, received, metadata as unknown as Prisma.InputJsonValue), {
        // Normally milliseconds; rewriting chunks a concurrent deletion removed can take longer.
        timeout: 10 * 60_000,
        maxWait: 30_000,
      });
    let result: TUploadModelResult;
    try {
      result = await commit();
    } catch (e) {
      // Two first uploads of a new name raced to create the model row: the loser retries once.
      if (!isUniqueViolation(e)) throw e;
      result = await commit();
    }
    // Best effort: the cache can always be materialised from the database later.
    await rename(received.path, cachedModelPath(files.cacheDir, received.sha256)).catch(() => {});
    return result;
  } finally {
    await rm(received.path, { force: true });
  }
}

async function commitVersion(
  tx: TTx,
  actor: TActorDeps["actor"],
  name: string,
  description: string,
  file: TReceivedFile,
  metadata: Prisma.InputJsonValue,
): Promise<TUploadModelResult> {
  await lockBlob(tx, file.sha256);
  // Invariant: a ModelBlob row exists only with all its chunks. A deletion may have removed them between
  // storeChunks and this lock; put back what is missing.
  const missing = await missingChunks(tx, file.sha256, file.sizeBytes);
  if (missing.size > 0) await storeChunks(tx, file.sha256, file.path, missing);
  await tx.modelBlob.createMany({ data: [{ sha256: file.sha256, sizeBytes: file.sizeBytes }], skipDuplicates: true });

  const model = await tx.model.upsert({ where: { name }, create: { name, description }, update: {}, select: { id: true } });
  // The model's row lock serialises uploads to one model: numbers are consecutive, duplicates impossible.
  await tx.$queryRaw`SELECT "id" FROM "Model" WHERE "id" = ${model.id}::uuid FOR UPDATE`;
  const same = await tx.modelVersion.findFirst({ where: { modelId: model.id, sha256: file.sha256 }, select: VERSION_SELECT });
  if (same) return { created: false, name, version: toVersionView(same) };
  const { versionCount: number } = await tx.model.update({ where: { id: model.id }, data: { versionCount: { increment: 1 } }, select: { versionCount: true } });
  const v = await tx.modelVersion.create({
    data: { modelId: model.id, number, sha256: file.sha256, sizeBytes: file.sizeBytes, metadata, createdById: actor.id },
    select: VERSION_SELECT,
  });
  await recordAudit(tx, actor, "model.upload", null, { model: name, version: number, sha256: file.sha256, sizeBytes: file.sizeBytes });
  return { created: true, name, version: toVersionView(v) };
}
