import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StringDecoder } from "node:string_decoder";
import { parse as parseCsv, CsvError } from "csv-parse";
import yauzl from "yauzl";
import type { TPrisma } from "../../db/client.ts";
import type { DatasetFormat } from "../../db/generated/enums.ts";
import { AppError } from "../../errors.ts";
import type { TRecord } from "./mapping.ts";

export interface TIngestLimits {
  /** Largest upload, in bytes; a zip's entries together may not hold more either. */
  maxBytes: number;
  /** Most rows (zip: entries). */
  maxRows: number;
  /** Largest zip entry (uncompressed). */
  maxEntryBytes: number;
  /** Where a zip is spooled while it is read (it is read from its end: the central directory). */
  tmpDir: string;
}

export interface TIngestRequest {
  pipelineId: string;
  format: DatasetFormat;
  /** The uploaded file's name (display only). */
  name: string;
  body: Readable;
  userId?: string | null;
  apiKeyId?: string | null;
}

export interface TDatasetSummary {
  id: string;
  format: DatasetFormat;
  name: string;
  columns: string[];
  rowCount: number;
  sizeBytes: number;
}

/** Rows per stored chunk (and per job: a chunk is the unit the workers take), and its byte budget. */
export const CHUNK_ROWS = 256;
const CHUNK_BYTES = 4 * 1024 * 1024;
/** JSONL: the keys of this many first records are the dataset's `columns` (what a mapping UI offers). */
const COLUMN_SAMPLE = 100;

interface TItem {
  record: TRecord;
  /** zip entries' bytes */
  file?: Buffer;
  /** size estimate for the chunk budget */
  bytes: number;
}

/**
 * Streams an uploaded dataset into the database, one chunk (≤ 256 rows, ≤ 4 MiB) at a time: the parser is
 * paused while a chunk is written, so memory holds one chunk whatever the file's size. CSV (csv-parse: RFC 4180
 * quoting, BOM; the first record is the header), JSONL (one JSON object per line) or a zip of files (yauzl, from
 * a temp file; directories, dot files and __MACOSX entries are skipped; entry names are kept for display and
 * never used as a path). Bad input is refused with DATASET_INVALID (naming the line or entry), too much with
 * PAYLOAD_TOO_LARGE; either way nothing is kept. The dataset is usable once `readyAt` is set.
 */
export async function ingestDataset(db: TPrisma, req: TIngestRequest, limits: TIngestLimits): Promise<TDatasetSummary> {
  const name = cleanName(req.name);
  const dataset = await db.dataset.create({ data: { pipelineId: req.pipelineId, format: req.format, name, userId: req.userId ?? null, apiKeyId: req.apiKeyId ?? null }, select: { id: true } });
  const counter = byteCounter(limits.maxBytes);
  let spooled: string | undefined;
  try {
    const columns: string[] = [];
    let items: AsyncIterable<TItem>;
    if (req.format === "csv") items = csvItems(req.body, counter, columns); // the header, read with the first record
    else if (req.format === "jsonl") {
      items = jsonlItems(req.body, counter, (keys) => {
        for (const k of keys) if (!columns.includes(k) && columns.length < 1000) columns.push(k);
      });
    } else {
      spooled = path.join(limits.tmpDir, `dataset-${randomUUID()}.zip`);
      await mkdir(limits.tmpDir, { recursive: true });
      await pipeline(req.body, counter, createWriteStream(spooled, { mode: 0o600 }));
      items = zipItems(spooled, limits);
    }

    let index = 0;
    let rows = 0;
    let chunk: TItem[] = [];
    let bytes = 0;
    const flush = async () => {
      if (!chunk.length) return;
      const files = chunk.some((c) => c.file) ? Buffer.concat(chunk.map((c) => c.file ?? Buffer.alloc(0))) : null;
      await db.datasetChunk.create({ data: { datasetId: dataset.id, index, firstRow: rows - chunk.length, rowCount: chunk.length, records: chunk.map((c) => c.record) as never, files: files ? new Uint8Array(files.buffer, files.byteOffset, files.length) : null } });
      index++;
      chunk = [];
      bytes = 0;
    };
    for await (const item of items) {
      if (rows >= limits.maxRows) throw new AppError("PAYLOAD_TOO_LARGE", `The dataset has more than ${limits.maxRows} rows.`, { limitRows: limits.maxRows });
      if (chunk.length && (chunk.length >= CHUNK_ROWS || bytes + item.bytes > CHUNK_BYTES)) await flush();
      if (item.file) {
        // Offsets into the chunk's `files`.
        const offset = chunk.reduce((n, c) => n + (c.file?.length ?? 0), 0);
        (item.record as { offset: number }).offset = offset;
      }
      chunk.push(item);
      bytes += item.bytes;
      rows++;
    }
    await flush();
    if (rows === 0) throw new AppError("DATASET_INVALID", req.format === "csv" ? "The CSV has no data rows (the first line is the header)." : req.format === "zip" ? "The zip has no files." : "The JSONL file has no records.");
    const sizeBytes = counter.bytes;
    const done = await db.dataset.update({ where: { id: dataset.id }, data: { columns, rowCount: rows, sizeBytes, readyAt: new Date() }, select: { id: true, format: true, name: true, columns: true, rowCount: true, sizeBytes: true } });
    return done;
  } catch (e) {
    req.body.resume(); // drain what is left, so the answer can still be written on this connection
    await db.dataset.delete({ where: { id: dataset.id } }).catch(() => {});
    throw e;
  } finally {
    if (spooled) await rm(spooled, { force: true });
  }
}

function cleanName(name: string): string {
  return (name.replace(/[\u0000-\u001f\u007f]/g, "").trim() || "dataset").slice(0, 255);
}

/** Counts bytes through it; past `max` it fails with PAYLOAD_TOO_LARGE (at once, while streaming). */
function byteCounter(max: number): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      t.bytes += chunk.length;
      if (t.bytes > max) return cb(new AppError("PAYLOAD_TOO_LARGE", `The dataset is larger than the limit of ${max} bytes (BATCH_MAX_BYTES).`, { limitBytes: max }));
      cb(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

async function* csvItems(body: Readable, counter: Transform, header: string[]): AsyncIterable<TItem> {
  const parser = parseCsv({ bom: true, skip_empty_lines: true, relax_column_count: false, max_record_size: 16 * 1024 * 1024 });
  body.on("error", (e) => parser.destroy(e));
  counter.on("error", (e) => parser.destroy(e));
  body.pipe(counter).pipe(parser);
  let first = true;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (first) {
        first = false;
        const names = record.map((c) => c.trim());
        const dup = names.find((n, i) => names.indexOf(n) !== i);
        if (names.some((n) => n === "")) throw new AppError("DATASET_INVALID", "The CSV header has an empty column name (the first line names the columns).", { line: 1 });
        if (dup !== undefined) throw new AppError("DATASET_INVALID", `The CSV header names column '${dup}' twice.`, { line: 1, column: dup });
        header.push(...names);
        continue;
      }
      yield { record, bytes: record.reduce((n, c) => n + c.length + 3, 2) };
    }
  } catch (e) {
    if (e instanceof CsvError) throw new AppError("DATASET_INVALID", `The CSV cannot be read at line ${(e as CsvError & { lines?: number }).lines ?? "?"}: ${e.message}`, { line: (e as CsvError & { lines?: number }).lines ?? null, reason: e.code });
    throw e;
  } finally {
    body.unpipe(counter);
    counter.unpipe(parser);
  }
}

async function* jsonlItems(body: Readable, counter: Transform, onKeys: (keys: string[]) => void): AsyncIterable<TItem> {
  body.on("error", (e) => counter.destroy(e));
  body.pipe(counter);
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let line = 0;
  let records = 0;
  const parseLine = (text: string): TItem | null => {
    line++;
    const t = text.trim();
    if (t === "") return null;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw new AppError("DATASET_INVALID", `Line ${line} is not valid JSON: ${(e as Error).message}`, { line });
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new AppError("DATASET_INVALID", `Line ${line} is not a JSON object (each line is one row: {"<column>": value, …}).`, { line });
    if (records++ < COLUMN_SAMPLE) onKeys(Object.keys(v));
    return { record: v as Record<string, unknown>, bytes: t.length };
  };
  for await (const chunk of counter as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    const lines = text.split("\n");
    rest = lines.pop()!;
    for (const l of lines) {
      const item = parseLine(l);
      if (item) yield item;
    }
  }
  const last = parseLine(rest + decoder.end());
  if (last) yield last;
}

/** Entries of a zip, in central-directory order: regular files only, each within the size limits. */
async function* zipItems(file: string, limits: TIngestLimits): AsyncIterable<TItem> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: true, strictFileNames: false }, (err, z) => (err ? reject(invalidZip(err)) : resolve(z))),
  );
  try {
    let total = 0;
    for (;;) {
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        const onEntry = (e: yauzl.Entry) => done(null, e);
        const onEnd = () => done(null, null);
        const onError = (e: Error) => done(e);
        const done = (e: Error | null, v?: yauzl.Entry | null) => {
          zip.off("entry", onEntry).off("end", onEnd).off("error", onError);
          if (e) reject(invalidZip(e));
          else resolve(v ?? null);
        };
        zip.on("entry", onEntry).on("end", onEnd).on("error", onError);
        zip.readEntry();
      });
      if (!entry) return;
      const name = entry.fileName;
      const base = name.split("/").pop() ?? "";
      if (name.endsWith("/") || name.startsWith("__MACOSX/") || base.startsWith(".") || base === "") continue;
      if (entry.isEncrypted()) throw new AppError("DATASET_INVALID", `Zip entry '${cleanName(name)}' is encrypted.`, { entry: cleanName(name) });
      if (entry.uncompressedSize > limits.maxEntryBytes) throw new AppError("PAYLOAD_TOO_LARGE", `Zip entry '${cleanName(name)}' is larger than the limit of ${limits.maxEntryBytes} bytes.`, { entry: cleanName(name), limitBytes: limits.maxEntryBytes });
      total += entry.uncompressedSize;
      if (total > limits.maxBytes) throw new AppError("PAYLOAD_TOO_LARGE", `The zip's files hold more than the limit of ${limits.maxBytes} bytes.`, { limitBytes: limits.maxBytes });
      const bytes = await new Promise<Buffer>((resolve, reject) =>
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(invalidZip(err));
          const parts: Buffer[] = [];
          stream.on("data", (c: Buffer) => parts.push(c));
          stream.on("error", (e) => reject(invalidZip(e)));
          stream.on("end", () => resolve(Buffer.concat(parts)));
        }),
      );
      yield { record: { name: cleanName(name), offset: 0, length: bytes.length }, file: bytes, bytes: bytes.length + name.length };
    }
  } finally {
    zip.close();
  }
}

function invalidZip(e: Error): AppError {
  return new AppError("DATASET_INVALID", `The zip cannot be read: ${e.message}`);
}
