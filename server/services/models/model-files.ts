import { env, modelCacheDir } from "../../env.ts";
import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import type { TPrisma } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { TTx } from "../audit/record-audit.ts";

/**
 * Model bytes: stored in the database (ModelBlob + 4 MiB ModelBlobChunk rows, deduplicated by SHA-256)
 * so every replica can serve every model, and materialised on demand into a local cache directory as
 * `<cacheDir>/<sha256>.onnx` for ONNX Runtime. File names only ever come from validated hashes.
 */
export const CHUNK_BYTES = 4 * 1024 * 1024;

export interface TModelFilesConfig {
  /** Local cache of model files by hash (DATA_DIR/models by default). */
  cacheDir: string;
  /** Uploads larger than this are refused with MODEL_TOO_LARGE while streaming. */
  maxBytes: number;
  /** How long ONNX Runtime may take to load an upload before it is refused. */
  inspectTimeoutMs?: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function assertSha256(hash: string): void {
  if (!SHA256.test(hash)) throw new AppError("INVALID_INPUT", "A model hash is 64 lowercase hex digits.", { hash: hash.slice(0, 80) });
}

export function cachedModelPath(cacheDir: string, sha256: string): string {
  assertSha256(sha256);
  return path.join(cacheDir, `${sha256}.onnx`);
}

async function tempPath(cacheDir: string, prefix: string): Promise<string> {
  const dir = path.join(cacheDir, "tmp");
  await mkdir(dir, { recursive: true });
  return path.join(dir, `${prefix}-${randomUUID()}.part`);
}

export interface TReceivedFile {
  path: string;
  sha256: string;
  sizeBytes: number;
}

/**
 * Streams an upload into a temporary file under the cache directory while hashing it, refusing it
 * with MODEL_TOO_LARGE as soon as it passes `maxBytes` (nothing larger is ever written or buffered).
 */
export async function receiveToTempFile(source: AsyncIterable<Uint8Array>, cfg: TModelFilesConfig): Promise<TReceivedFile> {
  const file = await tempPath(cfg.cacheDir, "upload");
  const hash = createHash("sha256");
  let sizeBytes = 0;
  // An HTTP body must survive a refusal (the answer goes out on its socket): stop reading, don't destroy it.
  const chunks = source instanceof Readable ? source.iterator({ destroyOnReturn: false }) : source;
  const fh = await open(file, "wx");
  try {
    for await (const chunk of chunks as AsyncIterable<Uint8Array>) {
      sizeBytes += chunk.byteLength;
      if (sizeBytes > cfg.maxBytes) throw tooLarge(cfg.maxBytes);
      hash.update(chunk);
      await fh.write(chunk);
    }
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(file, { force: true });
    throw e;
  }
  await fh.close();
  return { path: file, sha256: hash.digest("hex"), sizeBytes };
}

export function tooLarge(maxBytes: number): AppError {
  return new AppError("MODEL_TOO_LARGE", `Model files are limited to ${formatBytes(maxBytes)}.`, { maxBytes });
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(2)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(2)} KiB`;
  return `${n} bytes`;
}

/**
 * Writes the chunks of a file into ModelBlobChunk, one statement per chunk. Idempotent: a chunk is
 * keyed by (hash, index), so a concurrent upload of the same bytes or a retry after a crash only adds
 * what is missing. Runs outside the version transaction so PGlite's single connection is never held
 * for the whole upload.
 */
export async function storeChunks(db: TPrisma | TTx, sha256: string, file: string, onlyMissing?: ReadonlySet<number>): Promise<void> {
  const fh = await open(file, "r");
  try {
    for (let index = 0; ; index++) {
      const buf = Buffer.allocUnsafe(CHUNK_BYTES);
      const { bytesRead } = await fh.read(buf, 0, CHUNK_BYTES, index * CHUNK_BYTES);
      if (bytesRead === 0) break;
      if (onlyMissing && !onlyMissing.has(index)) continue;
      await db.modelBlobChunk.createMany({ data: [{ sha256, index, data: new Uint8Array(buf.buffer, buf.byteOffset, bytesRead) }], skipDuplicates: true });
      if (bytesRead < CHUNK_BYTES) break;
    }
  } finally {
    await fh.close();
  }
}

/** Serialises writers and deleters of one blob (upload's final transaction, model deletion). */
export async function lockBlob(tx: TTx, sha256: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`model-blob:${sha256}`}, 0))`;
}

/** Chunk indexes of a blob of `sizeBytes` that are not stored (complete chunks all have CHUNK_BYTES but the last). */
export async function missingChunks(tx: TTx, sha256: string, sizeBytes: number): Promise<Set<number>> {
  const expected = Math.max(1, Math.ceil(sizeBytes / CHUNK_BYTES));
  const rows = await tx.$queryRaw<{ index: number; len: number }[]>`
    SELECT "index", octet_length("data")::int AS len FROM "ModelBlobChunk" WHERE "sha256" = ${sha256}`;
  const have = new Map(rows.map((r) => [r.index, r.len]));
  const missing = new Set<number>();
  for (let i = 0; i < expected; i++) {
    const want = i === expected - 1 ? sizeBytes - i * CHUNK_BYTES : CHUNK_BYTES;
    if (have.get(i) !== want) missing.add(i);
  }
  return missing;
}

export interface TModelCache {
  /** The local file for a model hash, materialised from the database when missing. */
  resolveModelPath(sha256: string): Promise<string>;
  /** Deletes cached files whose hash has no ModelBlob any more; returns how many. */
  prune(): Promise<number>;
  readonly cacheDir: string;
}

/**
 * The local model cache. A file appears only complete and verified (written to a temp file, checked
 * against size and SHA-256, then renamed), so an existing `<hash>.onnx` is always good. Concurrent
 * requests for the same hash share one materialisation.
 */
export function createModelCache({ db, cacheDir }: { db: TPrisma; cacheDir: string }): TModelCache {
  const inflight = new Map<string, Promise<string>>();
  const present = new Set<string>();

  async function materialise(sha256: string, file: string): Promise<string> {
    const blob = await db.modelBlob.findUnique({ where: { sha256 }, select: { sizeBytes: true } });
    if (!blob) throw new AppError("NOT_FOUND", `No stored model has hash ${sha256}.`, { sha256 });
    const tmp = await tempPath(cacheDir, sha256);
    const hash = createHash("sha256");
    let size = 0;
    const fh = await open(tmp, "wx");
    try {
      for (let index = 0; size < blob.sizeBytes; index++) {
        const chunk = await db.modelBlobChunk.findUnique({ where: { sha256_index: { sha256, index } }, select: { data: true } });
        if (!chunk) break;
        hash.update(chunk.data);
        size += chunk.data.byteLength;
        await fh.write(chunk.data);
      }
      await fh.close();
      if (size !== blob.sizeBytes || hash.digest("hex") !== sha256) {
        throw new AppError("INTERNAL", `The stored bytes of model ${sha256} are incomplete or corrupt.`, { sha256, expectedBytes: blob.sizeBytes, actualBytes: size });
      }
      await rename(tmp, file);
      return file;
    } catch (e) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw e;
    }
  }

  return {
    cacheDir,
    async resolveModelPath(sha256) {
      const file = cachedModelPath(cacheDir, sha256);
      // Hot path: once a file is known to be in place, skip the stat (prune() forgets what it deletes).
      if (present.has(sha256)) return file;
      if (await exists(file)) {
        present.add(sha256);
        return file;
      }
      let p = inflight.get(sha256);
      if (!p) {
        p = materialise(sha256, file).finally(() => inflight.delete(sha256));
        inflight.set(sha256, p);
      }
      return p;
    },
    async prune() {
      let names: string[];
      try {
        names = await readdir(cacheDir);
      } catch {
        return 0;
      }
      const hashes = names.filter((n) => /^[0-9a-f]{64}\.onnx$/.test(n)).map((n) => n.slice(0, 64));
      if (hashes.length === 0) return 0;
      const kept = new Set((await db.modelBlob.findMany({ where: { sha256: { in: hashes } }, select: { sha256: true } })).map((b) => b.sha256));
      const stale = hashes.filter((h) => !kept.has(h) && !inflight.has(h));
      for (const h of stale) present.delete(h);
      await Promise.all(stale.map((h) => rm(path.join(cacheDir, `${h}.onnx`), { force: true })));
      return stale.length;
    },
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Upload settings from the environment (MODEL_CACHE_DIR, MODEL_MAX_BYTES), for servers not given any. */
export function modelFilesFromEnv(): TModelFilesConfig {
  const e = env();
  return { cacheDir: modelCacheDir(e), maxBytes: e.MODEL_MAX_BYTES };
}
