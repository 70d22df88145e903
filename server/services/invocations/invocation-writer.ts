import { randomUUID } from "node:crypto";
import type { TPrisma } from "../../db/client.ts";
import type { TJson } from "../../engine/values/to-json.ts";
import { AppError } from "../../errors.ts";
import { RunJournal, type TOpenLine } from "./run-journal.ts";

export type TInvocationSource = "editor" | "rest" | "oip" | "batch";

/** What is known of a run when it starts (its row is written when it ends, or as `running` if it runs long). */
export interface TRunningRow {
  /**
   * A caller-chosen id (batch rows: derived from the batch, attempt and row, so a row run again after a crash
   * writes the same Invocation row — the upsert replaces it); default a new UUIDv7.
   */
  id?: string;
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
  /** A shadow copy: the primary call's row id. */
  shadowOf?: string | null;
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
  /** Answered from the response cache (nothing ran). */
  cached?: boolean;
}

/** Where runs are logged. Both calls reject with NOT_READY when the log cannot be written. */
export interface TInvocationLog {
  /** Registers a run about to start and returns its id. The run may start only after this resolves. */
  begin(row: TRunningRow): Promise<string>;
  /** Commits the run's row with its outcome. The caller may answer only after this resolves. */
  finish(id: string, completion: TCompletion): Promise<void>;
}

/**
 * When a call may be answered (see InvocationWriter):
 * - `commit`: once its row is committed to the database (PostgreSQL flushed it);
 * - `journal`: once its whole row is on the local disk, in the run journal (fdatasync, group fsync); the row
 *   ships to the database asynchronously, in large batches, and a restart after a crash ships what did not.
 */
export type TLogDurability = "commit" | "journal";

export interface TInvocationWriterOptions {
  /** Default `commit`; `journal` needs `journalDir`. */
  durability?: TLogDurability;
  /** `journal` mode: how long finished rows gather before a shipping statement, and rows per statement at most. */
  shipDelayMs?: number;
  shipBatchRows?: number;
  /**
   * `journal` mode: finished rows not yet in the database at most; past it new runs are refused with NOT_READY
   * (the database is far behind or unreachable for long; the journal must not grow without bound).
   */
  maxUnshippedRows?: number;
  /** How long the first queued row waits for others before its batch is written (0 = end of this event-loop turn). */
  maxDelayMs?: number;
  /** Statements in flight at once, per lane (outcomes; `running` rows of long runs). */
  maxInFlight?: number;
  /** Rows per statement at most; a full batch is written at once. */
  maxBatchRows?: number;
  /** JSON bytes per statement at most (payloads can be large). */
  maxBatchBytes?: number;
  /** A write that takes longer fails its callers with NOT_READY. */
  writeTimeoutMs?: number;
  /** How soon rows of runs whose outcome could not be written are written as abandoned (retried until the database answers). */
  orphanRetryMs?: number;
  /**
   * A run starts only if the database answered within this many ms (a write or a `SELECT 1`); otherwise
   * `begin` asks it first. Under load every group commit is such an answer, so no run waits for it.
   */
  freshMs?: number;
  /** A run still going after this long gets a `running` row (the log shows it; its outcome replaces it). */
  runningAfterMs?: number;
  /** The server process writing (its advisory-lock key on PostgreSQL); see instance-lease.ts. */
  instance?: number | null;
  /** The local run journal (crash detection, see run-journal.ts). Without one, a crash leaves no trace of its runs in flight. */
  journalDir?: string;
  /**
   * Runs the statements. Default: Prisma raw queries. On PostgreSQL, startInvocationLog passes pg pools
   * with prepared statements instead (see there for why).
   */
  execute?: TExecute;
  /** Told about every statement (metrics). */
  onWrite?: (w: { rows: number; seconds: number; ok: boolean }) => void;
}

export type TLane = "finish" | "running";

/** Runs one statement of a lane with text parameters; `probe` is `SELECT 1`. */
export type TExecute = (what: TLane | "probe", sql: string, params: string[]) => Promise<unknown>;

interface TItem {
  id: string;
  json: string;
  /** The same row without payloads, for the rare row PostgreSQL refuses (e.g. a lone UTF-16 surrogate in a string). */
  fallback: () => string;
  resolve(): void;
  reject(e: unknown): void;
  /** `journal` mode: the row is durable in the journal and its caller answered; a failed write is retried, never abandoned. */
  durable?: boolean;
}

interface TOpenRun {
  /** The row as known at start (JSON object text). */
  json: string;
  /** performance.now() at begin. */
  t: number;
  /** A `running` row was queued for it (long run). */
  announced: boolean;
  /** Its outcome is queued or being written (no `running` row needed any more). */
  finishing: boolean;
  /** `journal` mode: its whole row, recorded in the journal and not yet shipped. */
  row: string | null;
}

const NOOP = () => {};
const UNLOGGABLE = { $unloggable: "the database refused this payload" };

/** One stream of statements: its queue, its batching timer, its writes in flight. */
class Lane {
  queue: TItem[] = [];
  bytes = 0;
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  /** `timer` is the maxDelayMs wait (not the end-of-turn flush). */
  delaying = false;
  readonly inFlight = new Set<Promise<void>>();
  /** Rows in the writes in flight. */
  inFlightRows = 0;
  /** performance.now() of the last row queued. */
  lastEnqueue = -Infinity;
  /** performance.now() when the oldest row now queued was queued (fixed-delay lanes wait from it). */
  firstQueuedAt = 0;
  constructor(
    readonly kind: TLane,
    /** Rows gather this long before a write, whether or not other calls are going (journal shipping). */
    readonly fixedDelayMs: number | null = null,
    readonly maxRows: number | null = null,
  ) {}
}

/**
 * Group commit for the invocation log, one row write per run. `begin` only registers the run: in memory, and
 * in the local run journal (run-journal.ts) so that a crash leaves a trace; it asks the database for a sign of
 * life first unless one came within `freshMs` (under load, the last group commit). `finish` queues the whole
 * row — start data, outcome, payloads — and resolves once it is committed: rows queued by concurrent calls are
 * written together, one INSERT (hence one transaction) per batch, fed one JSON array (`json_to_recordset`).
 * A batch is written `maxDelayMs` after its first row was queued, or at once when it is full; at most
 * `maxInFlight` batches per lane are in flight, so under load the next batch fills while earlier ones commit.
 * Runs still going after `runningAfterMs` get a `running` row (second lane, best effort), which the outcome
 * then replaces (the INSERT is an upsert).
 *
 * Failure: when a batch fails, a `SELECT 1` tells a database outage (every caller gets NOT_READY) from
 * a row PostgreSQL refuses (rows are then retried one by one, and a refused row is stored without its
 * payloads rather than not at all). Runs whose row could not be written are remembered (and stay open in the
 * journal) and written as `abandoned` as soon as the database answers again — or at the next start, from
 * the journal (recoverInterruptedRuns).
 */
export class InvocationWriter implements TInvocationLog {
  readonly #execute: TExecute;
  readonly #opts: Required<Omit<TInvocationWriterOptions, "onWrite" | "instance" | "execute" | "journalDir">> & Pick<TInvocationWriterOptions, "onWrite">;
  readonly #instance: number | null;
  readonly #lanes: { finish: Lane; running: Lane };
  /** `journal` mode: finished rows recorded and not yet committed to the database; a retry timer for failed ones. */
  #unshipped = 0;
  readonly #reship: TItem[] = [];
  #reshipTimer: NodeJS.Timeout | undefined;
  readonly #open = new Map<string, TOpenRun>();
  readonly #journal: RunJournal | null;
  #closed = false;
  /** Runs whose row could not be written, to be written as abandoned when the database is back. */
  readonly #orphans = new Set<string>();
  #orphanTimer: NodeJS.Timeout | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  /** performance.now() of the database's last answer. */
  #lastOk = -Infinity;
  #probing: Promise<boolean> | undefined;
  readonly #stats = { statements: 0, rows: 0, failures: 0 };

  constructor(db: TPrisma, opts: TInvocationWriterOptions = {}) {
    this.#execute = opts.execute ?? ((what, sql, params) => (what === "probe" ? db.$queryRawUnsafe(sql) : db.$executeRawUnsafe(sql, ...params)));
    this.#instance = opts.instance ?? null;
    this.#opts = {
      durability: opts.durability ?? "commit",
      shipDelayMs: opts.shipDelayMs ?? 20,
      shipBatchRows: opts.shipBatchRows ?? 2000,
      maxUnshippedRows: opts.maxUnshippedRows ?? 100_000,
      maxDelayMs: opts.maxDelayMs ?? 1,
      maxInFlight: opts.maxInFlight ?? 1,
      maxBatchRows: opts.maxBatchRows ?? 256,
      maxBatchBytes: opts.maxBatchBytes ?? 4 * 1024 * 1024,
      writeTimeoutMs: opts.writeTimeoutMs ?? 10_000,
      orphanRetryMs: opts.orphanRetryMs ?? 5_000,
      freshMs: opts.freshMs ?? 25,
      runningAfterMs: opts.runningAfterMs ?? 1_000,
      onWrite: opts.onWrite,
    };
    this.#journal = opts.journalDir ? new RunJournal(opts.journalDir, () => this.#openRows()) : null;
    if (this.#opts.durability === "journal" && !this.#journal) throw new AppError("INTERNAL", "The journal durability mode needs a run journal (journalDir).");
    const journal = this.#opts.durability === "journal";
    this.#lanes = { finish: journal ? new Lane("finish", this.#opts.shipDelayMs, this.#opts.shipBatchRows) : new Lane("finish"), running: new Lane("running") };
  }

  get durability(): TLogDurability {
    return this.#opts.durability;
  }

  async begin(row: TRunningRow): Promise<string> {
    if (this.#closed) throw new AppError("NOT_READY", "The server is shutting down; nothing was run.");
    if (this.#unshipped >= this.#opts.maxUnshippedRows) {
      throw new AppError("NOT_READY", `The invocation log is ${this.#unshipped} rows behind the database; nothing was run until it catches up.`, { unshipped: this.#unshipped });
    }
    const age = performance.now() - this.#lastOk;
    if (age > this.#opts.freshMs) {
      this.#probing ??= this.#probe().finally(() => (this.#probing = undefined));
      if (!(await this.#probing)) throw new AppError("NOT_READY", "The invocation log cannot be written (the database is unavailable); nothing was run.");
    } else if (age > this.#opts.freshMs / 2 && !this.#probing) {
      // Past half the window: ask in the background, so a steady trickle of calls (c=1 between two shipping
      // statements in `journal` mode) keeps the answer fresh instead of each waiting for a probe (~0.5 ms).
      this.#probing = this.#probe().finally(() => (this.#probing = undefined));
    }
    const id = row.id ?? uuidv7();
    if (this.#open.has(id)) throw new AppError("INTERNAL", `Run ${id} is already open in this process.`);
    const json = JSON.stringify({ ...row, id, instance: this.#instance });
    this.#open.set(id, { json, t: performance.now(), announced: false, finishing: false, row: null });
    if (this.#journal) {
      try {
        await this.#journal.begin(json);
      } catch (e) {
        this.#open.delete(id);
        throw e;
      }
    }
    this.#sweepLater();
    return id;
  }

  finish(id: string, c: TCompletion): Promise<void> {
    const run = this.#open.get(id);
    if (!run) return Promise.reject(new AppError("INTERNAL", `No run ${id} was begun with this writer.`));
    run.finishing = true;
    const { truncated, ...outcome } = c;
    // The start row and the outcome as one object, without serialising the inputs again.
    const json = `${run.json.slice(0, -1)},${JSON.stringify({ ...outcome, outTruncated: truncated }).slice(1)}`;
    if (this.#opts.durability === "journal") return this.#finishDurably(id, run, json, outcome);
    return new Promise<void>((resolve, reject) => this.#enqueue(this.#lanes.finish, this.#finishItem(id, run, json, outcome, resolve, reject)));
  }

  /**
   * `journal` mode: the caller may answer once the row is on disk in the journal; it ships later. If the journal
   * cannot take it (disk full), the call waits for the database commit instead, as in `commit` mode.
   */
  async #finishDurably(id: string, run: TOpenRun, json: string, outcome: Omit<TCompletion, "truncated">): Promise<void> {
    try {
      await this.#journal!.record(json);
    } catch {
      return new Promise<void>((resolve, reject) => this.#enqueue(this.#lanes.finish, { ...this.#finishItem(id, run, json, outcome, resolve, reject), durable: false }));
    }
    run.row = json;
    this.#unshipped++;
    this.#enqueue(this.#lanes.finish, { ...this.#finishItem(id, run, json, outcome, NOOP, NOOP), durable: true });
  }

  #finishItem(id: string, run: TOpenRun, json: string, outcome: Omit<TCompletion, "truncated">, resolve: () => void, reject: (e: unknown) => void): TItem {
    return {
        id,
        json,
        fallback: () =>
          JSON.stringify({
            ...(JSON.parse(run.json) as object),
            inputs: UNLOGGABLE,
            ...outcome,
            errorNode: outcome.errorNode?.toWellFormed() ?? null,
            errorMessage: outcome.errorMessage?.toWellFormed() ?? null,
            trace: null,
            outputs: null,
            truncated: true,
          }),
        resolve,
        reject,
      };
  }

  /** Queued rows, runs in flight, rows waiting to be written as abandoned, statements, rows written, failed statements (metrics). */
  stats() {
    return { queued: this.#lanes.finish.queue.length + this.#lanes.running.queue.length, open: this.#open.size, orphans: this.#orphans.size, unshipped: this.#unshipped, ...this.#stats };
  }

  /**
   * Refuses new runs, then writes what is queued. Runs still executing are not waited for: they stay open in the
   * journal (their outcome, if it still comes, replaces the abandoned row the next start writes).
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#orphanTimer);
    clearTimeout(this.#sweepTimer);
    clearTimeout(this.#reshipTimer);
    for (;;) {
      const lanes = Object.values(this.#lanes);
      for (const lane of lanes) this.#flush(lane);
      const writes = lanes.flatMap((l) => [...l.inFlight]);
      if (writes.length === 0) break;
      await Promise.race(writes);
    }
    // Runs still open (their row not written) stay in the journal for the next start.
    this.#journal?.close();
  }

  *#openRows(): Iterable<TOpenLine> {
    for (const run of this.#open.values()) yield run.row === null ? { json: run.json, recorded: false } : { json: run.row, recorded: true };
  }

  /** While runs are open, every runningAfterMs/2: give the long ones a `running` row. */
  #sweepLater() {
    if (this.#sweepTimer || this.#closed) return;
    this.#sweepTimer = setTimeout(() => {
      this.#sweepTimer = undefined;
      const due = performance.now() - this.#opts.runningAfterMs;
      for (const [id, run] of this.#open) {
        if (run.t > due || run.announced || run.finishing || this.#orphans.has(id)) continue;
        run.announced = true;
        this.#enqueue(this.#lanes.running, { id, json: run.json, fallback: () => JSON.stringify({ ...(JSON.parse(run.json) as object), inputs: UNLOGGABLE, truncated: true }), resolve: NOOP, reject: NOOP });
      }
      if (this.#open.size) this.#sweepLater();
    }, Math.max(10, this.#opts.runningAfterMs / 2));
    this.#sweepTimer.unref();
  }

  /** Runs begun whose outcome is not queued or being written yet: those a batch could still wait for. */
  #stillRunning(): number {
    const f = this.#lanes.finish;
    return this.#open.size - this.#orphans.size - f.queue.length - f.inFlightRows;
  }

  #enqueue(lane: Lane, item: TItem) {
    if (lane.queue.length === 0) lane.firstQueuedAt = performance.now();
    lane.queue.push(item);
    lane.bytes += item.json.length;
    if (lane.inFlight.size >= this.#opts.maxInFlight) return; // a write finishing takes the queue along
    if (lane.queue.length >= (lane.maxRows ?? this.#opts.maxBatchRows) || lane.bytes >= this.#opts.maxBatchBytes) return this.#flush(lane);
    // Wait up to maxDelayMs for other rows — unless calls come one at a time (the previous row came longer than
    // that ago and no other run is going that could add one): a lone caller would only be kept waiting, so
    // write at the end of this event-loop turn.
    const now = performance.now();
    const sparse = now - lane.lastEnqueue >= this.#opts.maxDelayMs && this.#stillRunning() <= 0;
    lane.lastEnqueue = now;
    const delay = lane.fixedDelayMs ?? this.#opts.maxDelayMs;
    const wait = delay > 0 && (lane.kind === "running" || lane.fixedDelayMs !== null || !sparse);
    if (lane.timer && (wait || !lane.delaying)) return;
    if (lane.timer) clearTimeout(lane.timer as NodeJS.Timeout);
    const flush = () => {
      lane.timer = undefined;
      this.#flush(lane);
    };
    lane.delaying = wait;
    lane.timer = wait ? setTimeout(flush, delay) : setImmediate(flush);
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
    const maxRows = lane.maxRows ?? this.#opts.maxBatchRows;
    while (n < lane.queue.length && n < maxRows && (n === 0 || bytes + lane.queue[n]!.json.length <= this.#opts.maxBatchBytes)) bytes += lane.queue[n++]!.json.length;
    // Rows in id order: concurrent statements of the two lanes touching the same rows then lock them in the same order.
    const batch = lane.queue.splice(0, n).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    lane.bytes -= bytes;
    lane.inFlightRows += batch.length;
    if (lane.queue.length) lane.firstQueuedAt = performance.now();
    const write: Promise<void> = this.#writeBatch(lane.kind, batch).finally(() => {
      lane.inFlight.delete(write);
      lane.inFlightRows -= batch.length;
      if (!lane.queue.length) return;
      // Rows queued meanwhile have waited for a whole write already: they go at once — except on a fixed-delay
      // lane (journal shipping), where they gather for the rest of their delay: flushing them at once made
      // statements of ~2–4 rows under load (measured at 32 connections) instead of dozens.
      const left = lane.fixedDelayMs !== null && !this.#closed && lane.queue.length < maxRows ? lane.firstQueuedAt + lane.fixedDelayMs - performance.now() : 0;
      if (left <= 0) return this.#flush(lane);
      if (lane.timer) return;
      lane.delaying = true;
      lane.timer = setTimeout(() => {
        lane.timer = undefined;
        this.#flush(lane);
      }, left);
    });
    lane.inFlight.add(write);
  }

  async #writeBatch(kind: TLane, batch: TItem[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#write(kind, batch);
        this.#settle(kind, batch);
        return;
      } catch (e) {
        if (!(await this.#probe())) {
          for (const item of batch) this.#fail(kind, item, e);
          return;
        }
        // The database answers. A refused value (SQLSTATE class 22) is some row's; anything else (a deadlock, a
        // timeout) is retried once as a whole before the batch is split.
        if (isDataError(e) || attempt > 0 || batch.length === 1) break;
      }
    }
    // The database answers: some row was refused. Write them one by one; a refused row goes without payloads.
    for (const item of batch) {
      try {
        await this.#write(kind, [item]);
        this.#settle(kind, [item]);
      } catch {
        try {
          await this.#write(kind, [{ ...item, json: item.fallback() }]);
          this.#settle(kind, [item]);
        } catch (e) {
          this.#fail(kind, item, e);
        }
      }
    }
  }

  /** Resolves the callers of a committed batch; their runs are closed (row written) in memory and in the journal. */
  #settle(kind: TLane, batch: TItem[]) {
    if (kind === "finish") {
      for (const item of batch) {
        if (this.#open.get(item.id)?.row != null) this.#unshipped--;
        this.#open.delete(item.id);
        this.#orphans.delete(item.id);
      }
      this.#journal?.end(batch.map((i) => i.id));
    }
    for (const item of batch) item.resolve();
  }

  async #write(kind: TLane, batch: TItem[]): Promise<void> {
    const t0 = performance.now();
    let ok = false;
    try {
      await withTimeout(this.#execute(kind, kind === "finish" ? FINISH_SQL : RUNNING_SQL, [jsonArray(batch.map((i) => i.json))]), this.#opts.writeTimeoutMs);
      ok = true;
      this.#lastOk = performance.now();
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
      this.#lastOk = performance.now();
      return true;
    } catch {
      this.#lastOk = -Infinity;
      return false;
    }
  }

  #fail(kind: TLane, item: TItem, cause: unknown) {
    if (kind === "running") return item.reject(cause); // best effort: the outcome writes the row anyway
    if (item.durable) return this.#reshipLater(item); // answered already: its row stays in the journal and ships later
    // The run stays open (in memory and in the journal): its row is written as abandoned when the database is back.
    this.#orphans.add(item.id);
    this.#scheduleOrphans();
    item.reject(
      new AppError("NOT_READY", "The run finished, but its outcome could not be logged (the database is unavailable); no result is returned for an unlogged run.", { invocationId: item.id }, { cause }),
    );
  }

  /** `journal` mode: rows whose shipping failed (the database is down) are written again, whole, once it answers. */
  #reshipLater(item: TItem) {
    this.#reship.push(item);
    if (this.#reshipTimer || this.#closed) return;
    this.#reshipTimer = setTimeout(() => {
      this.#reshipTimer = undefined;
      for (const it of this.#reship.splice(0)) this.#enqueue(this.#lanes.finish, it);
    }, this.#opts.orphanRetryMs);
    this.#reshipTimer.unref();
  }

  #scheduleOrphans() {
    if (this.#orphanTimer || this.#closed) return;
    this.#orphanTimer = setTimeout(() => {
      this.#orphanTimer = undefined;
      for (const id of this.#orphans) {
        const run = this.#open.get(id);
        if (!run) continue;
        const json = abandonedRow(run.json);
        this.#enqueue(this.#lanes.finish, { id, json, fallback: () => abandonedRow(JSON.stringify({ ...(JSON.parse(run.json) as object), inputs: UNLOGGABLE, truncated: true })), resolve: NOOP, reject: NOOP });
      }
    }, this.#opts.orphanRetryMs);
    this.#orphanTimer.unref();
  }
}

/** A value PostgreSQL refused (SQLSTATE class 22: invalid text, escape, number…), from node-postgres or Prisma. */
function isDataError(e: unknown): boolean {
  const codes = [(e as { code?: unknown })?.code, (e as { meta?: { code?: unknown } })?.meta?.code, (e as { cause?: { code?: unknown } })?.cause?.code];
  return codes.some((c) => typeof c === "string" && /^22[0-9A-Z]{3}$/.test(c)) || /\b22[0-9A-Z]{3}\b|invalid input syntax|unsupported Unicode escape/i.test(String((e as Error)?.message ?? ""));
}

/** A run's start row (JSON object text) completed as abandoned. */
export function abandonedRow(startJson: string): string {
  return `${startJson.slice(0, -1)},${JSON.stringify({ ...ABANDONED, outTruncated: false }).slice(1)}`;
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
} as const;

/** JSON text of an array of already serialised rows. \u0000 becomes U+FFFD (a jsonb cast, e.g. in invocation-stats.ts, refuses it). */
export function jsonArray(rows: string[]): string {
  const text = `[${rows.join(",")}]`;
  return text.includes("\\u0000") ? text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd") : text;
}

const START_COLUMNS = `id, "pipelineId", "versionNumber", alias, "draftHash", source, "startedAt", inputs, truncated, "userId", "apiKeyId", instance, "shadowOf"`;
const START_TYPES = `id uuid, "pipelineId" uuid, "versionNumber" int, alias text, "draftHash" text, source "InvocationSource",
  "startedAt" timestamptz, inputs json, truncated boolean, "userId" uuid, "apiKeyId" uuid, instance int, "shadowOf" uuid`;

/**
 * Writes a batch of finished runs, whole rows. An upsert: a long run already has a `running` row, which its
 * outcome replaces; `abandoned` (a run whose outcome could not be written) only replaces `running`, while a
 * real outcome replaces anything (a run marked abandoned by mistake still finished).
 */
export const FINISH_SQL = `
INSERT INTO "Invocation" AS i (${START_COLUMNS}, status, "errorCode", "errorNode", "errorMessage", "durationMs", trace, outputs, cached)
SELECT id, "pipelineId", "versionNumber", alias, "draftHash", source, "startedAt", inputs, truncated OR coalesce("outTruncated", false), "userId", "apiKeyId", instance, "shadowOf",
  status, "errorCode", "errorNode", "errorMessage", "durationMs", trace, outputs, coalesce(cached, false)
FROM json_to_recordset($1::json) AS r(${START_TYPES},
  status "InvocationStatus", "errorCode" text, "errorNode" text, "errorMessage" text, "durationMs" float8, trace json, outputs json, "outTruncated" boolean, cached boolean)
ON CONFLICT (id) DO UPDATE SET status = excluded.status, "errorCode" = excluded."errorCode", "errorNode" = excluded."errorNode",
  "errorMessage" = excluded."errorMessage", "durationMs" = excluded."durationMs", trace = excluded.trace, outputs = excluded.outputs,
  truncated = i.truncated OR excluded.truncated
WHERE excluded.status <> 'abandoned' OR i.status = 'running'`;

/** Gives runs that take long a `running` row (the outcome, written later, replaces it; never the other way). */
export const RUNNING_SQL = `
INSERT INTO "Invocation" (${START_COLUMNS}, status)
SELECT ${START_COLUMNS}, 'running' FROM json_to_recordset($1::json) AS r(${START_TYPES})
ON CONFLICT (id) DO NOTHING`;

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
