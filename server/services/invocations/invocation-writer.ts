import { randomUUID } from "node:crypto";
import type { TPrisma } from "../../db/client.ts";
import type { TJson } from "../../engine/values/to-json.ts";
import { AppError } from "../../errors.ts";

export type TInvocationSource = "editor" | "rest" | "oip" | "batch";

/** The row committed before a run starts (status `running`). */
export interface TRunningRow {
  pipelineId: string;
  versionNumber: number | null;
  alias: string | null;
  draftHash: string | null;
  source: TInvocationSource;
  startedAt: Date;
  inputs: TJson;
  truncated: boolean;
  userId: string | null;
  apiKeyId: string | null;
}

/** What a finished run adds to its row. */
export interface TCompletion {
  status: "ok" | "error";
  errorCode: string | null;
  errorNode: string | null;
  errorMessage: string | null;
  durationMs: number;
  trace: TJson;
  outputs: TJson | null;
  truncated: boolean;
}

/** Where runs are logged. Both calls resolve only once the write is committed, and reject with NOT_READY otherwise. */
export interface TInvocationLog {
  /** Commits a `running` row and returns its id. The run may start only after this resolves. */
  begin(row: TRunningRow): Promise<string>;
  /** Commits the outcome of a run begun with `begin`. The caller may answer only after this resolves. */
  finish(id: string, completion: TCompletion): Promise<void>;
}

export interface TInvocationWriterOptions {
  /** How long the first queued row waits for others before its batch is written (0 = end of this event-loop turn). */
  maxDelayMs?: number;
  /** Statements in flight at once, per lane (running rows; outcomes). */
  maxInFlight?: number;
  /** Rows per statement at most; a full batch is written at once. */
  maxBatchRows?: number;
  /** JSON bytes per statement at most (payloads can be large). */
  maxBatchBytes?: number;
  /** A write that takes longer fails its callers with NOT_READY. */
  writeTimeoutMs?: number;
  /** How soon rows left `running` by a failed write are marked abandoned (retried until the database answers). */
  orphanRetryMs?: number;
  /** The server process writing (its advisory-lock key on PostgreSQL); see instance-lease.ts. */
  instance?: number | null;
  /**
   * Runs the statements. Default: Prisma raw queries. On PostgreSQL, startInvocationLog passes pg pools
   * with prepared statements instead, and commits `running` rows asynchronously (see there for why).
   */
  execute?: TExecute;
  /** Told about every statement (metrics). */
  onWrite?: (w: { rows: number; seconds: number; ok: boolean }) => void;
}

export type TLane = "begin" | "finish";

/**
 * Runs one statement of a lane with text parameters; `finish` returns the ids of the rows it updated,
 * `probe` is `SELECT 1`.
 */
export type TExecute = (what: TLane | "probe", sql: string, params: string[]) => Promise<{ id: string }[] | unknown>;

interface TItem {
  id: string;
  json: string;
  /** The same row without payloads, for the rare row PostgreSQL refuses (e.g. a lone UTF-16 surrogate in a string). */
  fallback: () => string;
  resolve(): void;
  reject(e: unknown): void;
}

const NOOP = () => {};

/** One stream of statements: its queue, its batching timer, its writes in flight. */
class Lane {
  queue: TItem[] = [];
  bytes = 0;
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  readonly inFlight = new Set<Promise<void>>();
  constructor(readonly kind: TLane) {}
}

/**
 * Group commit for the invocation log. Rows queued by concurrent calls are written together, one statement
 * (hence one transaction) per batch, in two lanes: `running` rows of runs about to start are inserted,
 * outcomes of finished runs update their rows; each statement is fed one JSON array (`jsonb_to_recordset`).
 * A batch is written `maxDelayMs` after its first row was queued, or at once when it is full; at most
 * `maxInFlight` batches per lane are in flight, so under load the next batch fills while earlier ones commit.
 * Every caller's promise settles only after its batch committed (or failed). An outcome whose row is not
 * in the table (lost with an asynchronous commit when PostgreSQL itself crashed) fails its caller too.
 *
 * Failure: when a batch fails, a `SELECT 1` tells a database outage (every caller gets NOT_READY) from
 * a row PostgreSQL refuses (rows are then retried one by one, and a refused row is stored without its
 * payloads rather than not at all). Rows whose outcome could not be written stay `running` in the table:
 * they are remembered and marked `abandoned` as soon as the database answers again (and otherwise at the
 * next start, by recoverInterruptedRuns).
 */
export class InvocationWriter implements TInvocationLog {
  readonly #execute: TExecute;
  readonly #opts: Required<Omit<TInvocationWriterOptions, "onWrite" | "instance" | "execute">> & Pick<TInvocationWriterOptions, "onWrite">;
  readonly #instance: number | null;
  readonly #lanes = { begin: new Lane("begin"), finish: new Lane("finish") };
  #closed = false;
  /** Rows left `running` by a failed write, to be marked abandoned when the database is back. */
  readonly #orphans = new Set<string>();
  #orphanTimer: NodeJS.Timeout | undefined;
  readonly #stats = { statements: 0, rows: 0, failures: 0 };

  constructor(db: TPrisma, opts: TInvocationWriterOptions = {}) {
    this.#execute =
      opts.execute ??
      ((what, sql, params) => (what === "finish" ? db.$queryRawUnsafe<{ id: string }[]>(sql, ...params) : db.$executeRawUnsafe(sql, ...params)));
    this.#instance = opts.instance ?? null;
    this.#opts = {
      maxDelayMs: opts.maxDelayMs ?? 1,
      maxInFlight: opts.maxInFlight ?? 1,
      maxBatchRows: opts.maxBatchRows ?? 256,
      maxBatchBytes: opts.maxBatchBytes ?? 4 * 1024 * 1024,
      writeTimeoutMs: opts.writeTimeoutMs ?? 10_000,
      orphanRetryMs: opts.orphanRetryMs ?? 5_000,
      onWrite: opts.onWrite,
    };
  }

  begin(row: TRunningRow): Promise<string> {
    if (this.#closed) return Promise.reject(new AppError("NOT_READY", "The server is shutting down; nothing was run."));
    const id = uuidv7();
    const full = { id, ...row, instance: this.#instance };
    return new Promise<void>((resolve, reject) =>
      this.#enqueue(this.#lanes.begin, { id, json: JSON.stringify(full), fallback: () => JSON.stringify({ ...full, inputs: { $unloggable: "the database refused this payload" }, truncated: true }), resolve, reject }),
    ).then(() => id);
  }

  finish(id: string, c: TCompletion): Promise<void> {
    const full = { id, ...c };
    return new Promise<void>((resolve, reject) =>
      this.#enqueue(this.#lanes.finish, { id, json: JSON.stringify(full), fallback: () => JSON.stringify({ ...full, outputs: null, trace: null, truncated: true }), resolve, reject }),
    );
  }

  /** Queued rows, rows waiting to be marked abandoned, statements written, rows written, failed statements (metrics). */
  stats() {
    return { queued: this.#lanes.begin.queue.length + this.#lanes.finish.queue.length, orphans: this.#orphans.size, ...this.#stats };
  }

  /** Refuses new runs, then writes what is queued (outcomes of runs still finishing included). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#orphanTimer);
    for (;;) {
      const lanes = Object.values(this.#lanes);
      for (const lane of lanes) this.#flush(lane);
      const writes = lanes.flatMap((l) => [...l.inFlight]);
      if (writes.length === 0) return;
      await Promise.race(writes);
    }
  }

  #enqueue(lane: Lane, item: TItem) {
    lane.queue.push(item);
    lane.bytes += item.json.length;
    if (lane.inFlight.size >= this.#opts.maxInFlight) return; // a write finishing takes the queue along
    if (lane.queue.length >= this.#opts.maxBatchRows || lane.bytes >= this.#opts.maxBatchBytes) this.#flush(lane);
    else if (!lane.timer) {
      const flush = () => {
        lane.timer = undefined;
        this.#flush(lane);
      };
      lane.timer = this.#opts.maxDelayMs > 0 ? setTimeout(flush, this.#opts.maxDelayMs) : setImmediate(flush);
    }
  }

  #flush(lane: Lane): void {
    if (lane.inFlight.size >= this.#opts.maxInFlight || lane.queue.length === 0) return;
    if (lane.timer) {
      clearTimeout(lane.timer as NodeJS.Timeout);
      clearImmediate(lane.timer as NodeJS.Immediate);
      lane.timer = undefined;
    }
    let n = 0;
    let bytes = 0;
    while (n < lane.queue.length && n < this.#opts.maxBatchRows && (n === 0 || bytes + lane.queue[n]!.json.length <= this.#opts.maxBatchBytes)) bytes += lane.queue[n++]!.json.length;
    const batch = lane.queue.splice(0, n);
    lane.bytes -= bytes;
    const write: Promise<void> = this.#writeBatch(lane.kind, batch).finally(() => {
      lane.inFlight.delete(write);
      // Rows queued meanwhile have waited for a whole write already: go at once.
      if (lane.queue.length) this.#flush(lane);
    });
    lane.inFlight.add(write);
  }

  async #writeBatch(kind: TLane, batch: TItem[]): Promise<void> {
    try {
      this.#settle(kind, batch, await this.#write(kind, batch));
      return;
    } catch (e) {
      if (!(await this.#probe())) {
        for (const item of batch) this.#fail(kind, item, e);
        return;
      }
    }
    // The database answers: some row was refused. Write them one by one; a refused row goes without payloads.
    for (const item of batch) {
      try {
        this.#settle(kind, [item], await this.#write(kind, [item]));
      } catch {
        try {
          this.#settle(kind, [item], await this.#write(kind, [{ ...item, json: item.fallback() }]));
        } catch (e) {
          this.#fail(kind, item, e);
        }
      }
    }
  }

  /** Resolves the callers of a committed batch; an outcome whose row was not found fails its caller. */
  #settle(kind: TLane, batch: TItem[], updated: Set<string> | null) {
    for (const item of batch) {
      if (kind === "begin" || updated?.has(item.id)) {
        if (kind === "finish") this.#orphans.delete(item.id);
        item.resolve();
      } else {
        this.#orphans.delete(item.id); // nothing left to mark
        item.reject(new AppError("NOT_READY", "The run finished, but its log row is missing (the database lost it); no result is returned for an unlogged run.", { invocationId: item.id }));
      }
    }
  }

  /** Writes a batch; for outcomes, returns the ids of the rows updated. */
  async #write(kind: TLane, batch: TItem[]): Promise<Set<string> | null> {
    const t0 = performance.now();
    let ok = false;
    try {
      const result = await withTimeout(this.#execute(kind, kind === "begin" ? BEGIN_SQL : FINISH_SQL, [jsonb(batch.map((i) => i.json))]), this.#opts.writeTimeoutMs);
      ok = true;
      return kind === "finish" ? new Set((result as { id: string }[]).map((r) => r.id)) : null;
    } finally {
      this.#stats.statements++;
      if (ok) this.#stats.rows += batch.length;
      else this.#stats.failures++;
      this.#opts.onWrite?.({ rows: batch.length, seconds: (performance.now() - t0) / 1000, ok });
    }
  }

  async #probe(): Promise<boolean> {
    try {
      await withTimeout(this.#execute("probe", "SELECT 1", []), Math.min(2_000, this.#opts.writeTimeoutMs));
      return true;
    } catch {
      return false;
    }
  }

  #fail(kind: TLane, item: TItem, cause: unknown) {
    // The row may be `running` in the table (a begin whose acknowledgement was lost, a finish that failed).
    this.#orphans.add(item.id);
    this.#scheduleOrphans();
    const message =
      kind === "begin"
        ? "The invocation log cannot be written (the database is unavailable); nothing was run."
        : "The run finished, but its outcome could not be logged (the database is unavailable); no result is returned for an unlogged run.";
    item.reject(new AppError("NOT_READY", message, { invocationId: item.id }, { cause }));
  }

  #scheduleOrphans() {
    if (this.#orphanTimer || this.#closed) return;
    this.#orphanTimer = setTimeout(() => {
      this.#orphanTimer = undefined;
      for (const id of this.#orphans) {
        const row = JSON.stringify({ id, ...ABANDONED });
        this.#enqueue(this.#lanes.finish, { id, json: row, fallback: () => row, resolve: NOOP, reject: NOOP });
      }
    }, this.#opts.orphanRetryMs);
    this.#orphanTimer.unref();
  }
}

/** The outcome written for runs whose process died or whose outcome could not be logged. */
export const ABANDONED = {
  status: "abandoned",
  errorCode: "ABANDONED",
  errorNode: null,
  errorMessage: "The run was interrupted (the server stopped or could not log its outcome); its result is unknown.",
  durationMs: null,
  trace: null,
  outputs: null,
  truncated: false,
} as const;

/** JSON text of an array of already serialised rows. jsonb refuses \u0000 in strings: it becomes U+FFFD. */
function jsonb(rows: string[]): string {
  const text = `[${rows.join(",")}]`;
  return text.includes("\\u0000") ? text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd") : text;
}

/** Inserts a batch of `running` rows. */
export const BEGIN_SQL = `
INSERT INTO "Invocation" (id, "pipelineId", "versionNumber", alias, "draftHash", source, status, "startedAt", inputs, truncated, "userId", "apiKeyId", instance)
SELECT id, "pipelineId", "versionNumber", alias, "draftHash", source, 'running', "startedAt", inputs, truncated, "userId", "apiKeyId", instance
FROM jsonb_to_recordset($1::jsonb) AS b(
  id uuid, "pipelineId" uuid, "versionNumber" int, alias text, "draftHash" text, source "InvocationSource",
  "startedAt" timestamptz, inputs jsonb, truncated boolean, "userId" uuid, "apiKeyId" uuid, instance int)`;

/**
 * Applies a batch of outcomes and returns the ids of the rows it updated. `abandoned` only replaces `running`;
 * a real outcome replaces anything (a run marked abandoned by mistake still finished).
 */
export const FINISH_SQL = `
UPDATE "Invocation" i SET status = f.status, "errorCode" = f."errorCode", "errorNode" = f."errorNode", "errorMessage" = f."errorMessage",
  "durationMs" = f."durationMs", trace = f.trace, outputs = f.outputs, truncated = i.truncated OR f.truncated
FROM jsonb_to_recordset($1::jsonb) AS f(
  id uuid, status "InvocationStatus", "errorCode" text, "errorNode" text, "errorMessage" text, "durationMs" float8,
  trace jsonb, outputs jsonb, truncated boolean)
WHERE i.id = f.id AND (f.status <> 'abandoned' OR i.status = 'running')
RETURNING i.id::text AS id`;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`The invocation log write took longer than ${ms} ms.`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * RFC 9562 UUIDv7: 48-bit Unix milliseconds, then random bits. Rows arrive in time order, so their primary
 * key goes to the right edge of the index instead of a random page (cheaper inserts, smaller index).
 */
export function uuidv7(now = Date.now()): string {
  // randomUUID draws from a cached entropy pool (randomBytes per id measured ~10 µs per request under load);
  // keep its random bits and variant, put the timestamp in front and the version nibble 7.
  const r = randomUUID();
  const ts = now.toString(16).padStart(12, "0");
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${r.slice(15)}`;
}

const defaults = new WeakMap<TPrisma, InvocationWriter>();

/** The writer of a database for callers that were given none (tests, tools): group commit all the same. */
export function defaultInvocationLog(db: TPrisma): InvocationWriter {
  let w = defaults.get(db);
  if (!w) defaults.set(db, (w = new InvocationWriter(db)));
  return w;
}
