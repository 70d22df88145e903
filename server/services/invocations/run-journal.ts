import { closeSync, fdatasync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { AppError } from "../../errors.ts";

/**
 * The local record of runs in flight, so that a run interrupted by a crash is found at the next start
 * without a database write before every run (the invocation log writes each run's row once, when it ends).
 *
 * An append-only file per server process under DATA_DIR/invocation-journal/: a `B <row JSON>` line when a run
 * starts — handed to the operating system (write(2)) before the run may start — and an `F <id>` line once
 * its row is committed. Lines of runs starting in the same event-loop turn are written together. A process
 * killed (kill -9, OOM, a crash) keeps what it wrote: the lines are in the kernel's page cache. Not fsynced:
 * a power loss can lose the last lines (then those runs have no row). The file is rewritten with only the
 * open runs when it grows past `maxBytes`, and removed on a clean stop.
 *
 * In the `journal` durability mode (invocation-writer.ts) the journal is also the log's write-ahead log: an
 * `R <row JSON>` line holds a finished run's whole row, and `record` resolves only once it is on disk
 * (fdatasync, one for all the lines written meanwhile: group fsync); the row ships to the database later
 * and its `F <id>` line follows. A process killed — or a machine losing power — keeps every recorded row.
 *
 * At start, `readInterruptedRuns` collects the runs begun and never finished in the journals of processes
 * that are gone, to be written as `abandoned` rows. File names carry the host name, the pid and the time the
 * journal was opened: a journal is a dead process's when it is from this host and its pid is not running, or
 * runs a process started after the journal was opened (a reused pid, e.g. pid 1 in a restarted container).
 * Journals of other hosts are left alone (keep DATA_DIR on a disk of its own per host).
 */
export class RunJournal {
  readonly #dir: string;
  readonly #stem = `${HOST}-${process.pid}-${Date.now()}`;
  readonly #maxBytes: number;
  #seq = 0;
  #fd: number;
  #file: string;
  #bytes = 0;
  /** Bytes of open runs the last rotation wrote: the next one waits until the file is well past that. */
  #liveBytes = 0;
  #lines: string[] = [];
  #waiters: TWaiter[] = [];
  /** Waiters of `record` lines written and waiting for the next fdatasync; `#syncing`: one is in flight. */
  #unsynced: TWaiter[] = [];
  /** Waiters of the fdatasync in flight (none: no fdatasync in flight). */
  #syncing: TWaiter[] | null = null;
  #scheduled = false;
  #closed = false;

  /**
   * `openRuns` gives every run still open: its row JSON and whether that is a recorded finished row (`R`) or
   * the start row (`B`); rewritten into a fresh file on rotation.
   */
  constructor(
    dir: string,
    private readonly openRuns: () => Iterable<TOpenLine>,
    opts: { maxBytes?: number } = {},
  ) {
    this.#dir = dir;
    this.#maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
    mkdirSync(dir, { recursive: true });
    this.#file = this.#name();
    this.#fd = openSync(this.#file, "a");
    OPEN_HERE.add(this.#file);
  }

  /** Records a run starting; resolves once the line is written (the run may start then), rejects when it cannot be. */
  begin(rowJson: string): Promise<void> {
    if (this.#closed) return Promise.reject(new AppError("NOT_READY", "The server is shutting down; nothing was run."));
    this.#lines.push(`B ${rowJson}\n`);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject, sync: false });
      this.#schedule();
    });
  }

  /** Records a finished run's whole row; resolves once it is on disk (fdatasync), rejects when it cannot be. */
  record(rowJson: string): Promise<void> {
    if (this.#closed) return Promise.reject(new AppError("NOT_READY", "The server is shutting down."));
    this.#lines.push(`R ${rowJson}\n`);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject, sync: true });
      this.#schedule();
    });
  }

  /** Records runs whose rows are committed (no wait: losing this line only means a redundant recovery write). */
  end(ids: readonly string[]): void {
    if (this.#closed || ids.length === 0) return;
    for (const id of ids) this.#lines.push(`F ${id}\n`);
    this.#schedule();
  }

  /** Writes what is pending; removes the file when no run is open (a clean stop leaves nothing to recover). */
  close(): void {
    if (this.#closed) return;
    this.#flush();
    if (this.#unsynced.length || this.#syncing) {
      // Recorded rows still waiting for their fdatasync: make them durable now (their callers may answer).
      const waiters = [...(this.#syncing ?? []), ...this.#unsynced.splice(0)];
      this.#syncing = null;
      try {
        fdatasyncSync(this.#fd);
        for (const w of waiters) w.resolve();
      } catch (cause) {
        for (const w of waiters) w.reject(new AppError("NOT_READY", "The run journal cannot be synced to disk.", {}, { cause }));
      }
    }
    this.#closed = true;
    closeSync(this.#fd);
    OPEN_HERE.delete(this.#file);
    if (isEmpty(this.openRuns())) unlinkSync(this.#file);
  }

  #name(): string {
    return path.join(this.#dir, `${this.#stem}.${this.#seq}.journal`);
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush() {
    this.#scheduled = false;
    if (this.#closed) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    if (this.#lines.length) {
      const text = this.#lines.join("");
      this.#lines = [];
      try {
        this.#bytes += writeAll(this.#fd, text);
      } catch (cause) {
        // Cut what part of it was written (a torn line would swallow the next one); those runs do not start.
        try {
          ftruncateSync(this.#fd, this.#bytes);
        } catch {
          // nothing more to do: the lines after a torn one may be lost at recovery
        }
        const e = new AppError("NOT_READY", "The run journal cannot be written (disk full or not writable); nothing was run.", {}, { cause });
        for (const w of waiters) w.reject(e);
        return;
      }
    }
    for (const w of waiters) {
      if (w.sync) this.#unsynced.push(w);
      else w.resolve();
    }
    this.#sync();
    // Not while an fdatasync is in flight on the current file (rotation closes it).
    if (!this.#syncing && this.#bytes > Math.max(this.#maxBytes, 2 * this.#liveBytes)) this.#rotate();
  }

  /** Group fsync: one fdatasync (off the event loop) for every recorded line written since the last one. */
  #sync() {
    if (this.#syncing || this.#unsynced.length === 0 || this.#closed) return;
    const waiters = (this.#syncing = this.#unsynced.splice(0));
    fdatasync(this.#fd, (cause) => {
      if (this.#syncing !== waiters) return; // close() synced and answered them
      this.#syncing = null;
      if (cause) {
        const e = new AppError("NOT_READY", "The run journal cannot be synced to disk; the run's outcome is not durable.", {}, { cause });
        for (const w of waiters) w.reject(e);
      } else for (const w of waiters) w.resolve();
      this.#sync();
    });
  }

  /** A fresh file with only the open runs; the old one is removed once the new one holds them. On failure the old one stays. */
  #rotate() {
    const next = path.join(this.#dir, `${this.#stem}.${this.#seq + 1}.journal`);
    let fd: number | undefined;
    try {
      fd = openSync(next, "a");
      let text = "";
      for (const run of this.openRuns()) text += `${run.recorded ? "R" : "B"} ${run.json}\n`;
      const bytes = text ? writeAll(fd, text) : 0;
      // Recorded rows were durable in the old file: they are in the new one before the old one goes.
      if (bytes) fdatasyncSync(fd);
      closeSync(this.#fd);
      unlinkSync(this.#file);
      OPEN_HERE.delete(this.#file);
      OPEN_HERE.add(next);
      this.#seq++;
      this.#fd = fd;
      this.#file = next;
      this.#bytes = bytes;
      this.#liveBytes = bytes;
    } catch {
      // Keep writing to the old file (it holds every open run); try again at a later flush.
      if (fd !== undefined && fd !== this.#fd) {
        try {
          closeSync(fd);
          unlinkSync(next);
        } catch {
          // best effort
        }
      }
      this.#liveBytes = this.#bytes;
    }
  }
}

interface TWaiter {
  resolve(): void;
  reject(e: unknown): void;
  /** A `record`: resolved after the fdatasync that follows its write. */
  sync: boolean;
}

export interface TOpenLine {
  json: string;
  /** The run's whole finished row (an `R` line), not yet shipped to the database. */
  recorded: boolean;
}

/** Journals open in this process (not to be recovered by a second log started in the same process, e.g. tests). */
const OPEN_HERE = new Set<string>();
const HOST = hostname().replace(/[^A-Za-z0-9.]/g, "_") || "host";

function writeAll(fd: number, text: string): number {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off);
  return buf.length;
}

function isEmpty(it: Iterable<unknown>): boolean {
  for (const _ of it) return false;
  return true;
}

const FILE = /^(.+)-(\d+)-(\d+)\.(\d+)\.journal$/;

/** Epoch ms at which a process started (Linux /proc), or null when unknown. */
function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const startTicks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    return Number.isFinite(startTicks) && Number.isFinite(btime) ? btime * 1000 + (startTicks * 1000) / 100 : null;
  } catch {
    return null;
  }
}

/** Whether the process that opened a journal (this host, `pid`, at `openedAt`) may still be running. */
function writerAlive(file: string, pid: number, openedAt: number): boolean {
  if (pid === process.pid) return OPEN_HERE.has(file); // an earlier process with this pid (a restarted container)
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // The pid runs — the journal's writer, or a process that reused the pid after it died. (CLK_TCK 100; 2 s slack.)
  const started = processStartMs(pid);
  return started === null || started <= openedAt + 2_000;
}

/**
 * The runs in the journals of processes that are gone whose rows never reached the database: `rows`, begun and
 * never finished (their row JSON as the run's `begin` had it: to be written `abandoned`); `finished`, recorded
 * (`R`, the journal durability mode) and not shipped: their whole rows, to be written as they are; and the files
 * read, to remove once those rows are written. A torn last line (the process died mid-write) is skipped.
 * Journals of live processes (another replica on this host) are left.
 */
export function readInterruptedRuns(dir: string): { rows: string[]; finished: string[]; files: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { rows: [], finished: [], files: [] };
    throw e;
  }
  const begun = new Map<string, string>();
  const recorded = new Map<string, string>();
  const finished = new Set<string>();
  const files: string[] = [];
  for (const name of names) {
    const m = FILE.exec(name);
    const file = path.join(dir, name);
    if (!m || m[1] !== HOST || writerAlive(file, Number(m[2]), Number(m[3]))) continue;
    files.push(file);
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line.startsWith("F ")) finished.add(line.slice(2));
      else if (line.startsWith("B ") || line.startsWith("R ")) {
        try {
          const row = JSON.parse(line.slice(2)) as { id?: unknown };
          if (typeof row.id === "string") (line[0] === "R" ? recorded : begun).set(row.id, line.slice(2));
        } catch {
          // a torn line
        }
      }
    }
  }
  const pending = ([id]: [string, string]) => !finished.has(id);
  return {
    rows: [...begun].filter(([id]) => pending([id, ""]) && !recorded.has(id)).map(([, json]) => json),
    finished: [...recorded].filter(pending).map(([, json]) => json),
    files,
  };
}

export function removeJournals(files: readonly string[]): void {
  for (const f of files) {
    try {
      unlinkSync(f);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
}
