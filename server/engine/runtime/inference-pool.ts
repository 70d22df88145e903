import type { ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { AppError } from "../../errors.ts";
import { isTensor, type TAnyTensor } from "../values/tensor.ts";
import { childFailureToAppError, forkRuntimeChild, type TChildFailure } from "./child-process.ts";
import type { TBatchExecution, TBatchPolicy, TSessionOptions } from "./types.ts";

const WORKER_SCRIPT = new URL("./inference-worker.mjs", import.meta.url);

export type TFeeds = Record<string, TAnyTensor>;

export interface TInferencePoolOptions {
  /** Worker processes. Default: one per core but one, at least one (sessions use one intra-op thread each). */
  size?: number;
  /** Local file for a model hash (materialised by the registry). Called once per run, before queueing. */
  resolveModelPath(hash: string): Promise<string>;
  sessionOptions?: TSessionOptions;
  /** Sessions each worker keeps loaded (LRU); evicted sessions are released. */
  maxSessionsPerWorker?: number;
  /** Deadline of a run that names none. */
  defaultTimeoutMs?: number;
  /** How long close() lets runs in progress finish before killing their workers. */
  shutdownGraceMs?: number;
  /** Extra node flags for the workers (e.g. `--max-old-space-size`). */
  workerExecArgv?: string[];
  /** Told of every ORT execution of runs that had a batch policy (the batch size histogram). Must not throw. */
  onBatch?: (e: TBatchExecution) => void;
}

export interface TRunOptions {
  /** Counted from the call: time queued, loading the model and running it. Past it the run fails with INFERENCE_TIMEOUT. */
  timeoutMs?: number;
  /** Aborting rejects the run with the signal's reason; a queued run never reaches a worker. */
  signal?: AbortSignal | undefined;
  /**
   * Dynamic batching: the run may be concatenated along dim 0 with queued runs of the same model under an
   * equal policy whose feeds have the same names, dtypes and trailing dims. Off when absent or maxBatchSize ≤ 1.
   */
  batch?: TBatchPolicy | undefined;
  /** The model as people name it (name@version), for metrics; the hash otherwise. */
  name?: string | undefined;
}

export interface TWorkerStats {
  pid: number | undefined;
  state: TWorkerState;
  runs: number;
  /** Model hashes with a loaded session, least recently used first. */
  sessions: string[];
}

export interface TPoolStats {
  size: number;
  queued: number;
  workers: TWorkerStats[];
  completed: number;
  failed: number;
  timeouts: number;
  crashes: number;
  restarts: number;
  sessionHits: number;
  sessionMisses: number;
  /** ORT executions that answered more than one run (dynamic batching). */
  batches: number;
  /** Runs answered by those executions. */
  batchedRuns: number;
  /** Batches that failed or whose outputs could not be split, so each run was retried alone. */
  batchFallbacks: number;
}

type TWorkerState = "starting" | "idle" | "busy" | "dead";

interface TJob {
  id: number;
  hash: string;
  name: string;
  feeds: TFeeds;
  path: string | undefined;
  /** Batch policy, and the key of the runs it may be batched with (null: runs alone), and its rows along dim 0. */
  batch: TBatchPolicy | null;
  batchKey: string | null;
  rows: number;
  /** performance.now() when queued: the batching delay counts from the oldest run's. */
  queuedAt: number;
  /** Retried alone after its batch's worker died, so one run that crashes a worker fails by itself. */
  solo: boolean;
  /**
   * Queued while no run of its batch key was running or queued and none had come within the queue delay:
   * sparse traffic, so it goes at the end of this event-loop turn (with whatever of its key was queued in the
   * same turn) instead of waiting the delay for company that is unlikely to come.
   */
  alone: boolean;
  state: "resolving" | "queued" | "running" | "done";
  /** The caller has its answer (result, error, timeout or abort); a running job may still occupy a worker. */
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  timeoutMs: number;
  resolve(outputs: TFeeds): void;
  reject(e: unknown): void;
  cleanup: (() => void) | undefined;
}

interface TWorker {
  slot: number;
  child: ChildProcess;
  state: TWorkerState;
  /** The runs of the dispatch in flight (several when batched), and the dispatch's id. */
  jobs: TJob[];
  dispatchId: number;
  sessions: string[];
  runs: number;
  /** Being killed: never given work again, and its last messages are ignored. */
  killing: boolean;
  /** Set when the pool killed it on purpose (deadline, shutdown): its exit is not a crash. */
  killedBecause: "timeout" | "shutdown" | null;
}

type TWorkerMessage =
  | { type: "ready" }
  | {
      type: "result";
      id: number;
      results: ({ id: number; outputs: TFeeds } | { id: number; error: TChildFailure })[];
      cacheHit: boolean;
      /** The jobs ran as one concatenated call. */
      batched: boolean;
      /** A concatenated call was tried and given up (it threw, or its outputs could not be split). */
      fallback: boolean;
      sessions: string[];
    };

const MAX_TIMEOUT_MS = 10 * 60_000;
const MAX_QUEUE_DELAY_US = 1_000_000;
const MAX_BATCH_SIZE = 65_536;

/**
 * A supervised pool of inference worker processes (inference-worker.mjs).
 *
 * Why processes, not worker_threads: a model can abort the process it runs in (ORT's JS binding aborts
 * on int4 outputs; native bugs, OOM kills), and a thread cannot survive its process. Measured on the
 * 2-core dev machine under load (mean per sequential run, 5 sessions of 2000 runs, ranges across sessions):
 * tiny model (x[1,4]·W + B): in-process 23–93 µs, worker_thread 118–229 µs, fork + advanced
 * serialisation 238–474 µs; 1.2 MB in and 0.6 MB out (a 224×224 RGB float image): 0.23–0.74 ms,
 * 0.57–1.65 ms and 1.8–3.1 ms. The extra 0.2–2 ms per run buys crash isolation: a crash fails only the
 * run in flight on that worker. (Shared memory could close the gap for large tensors later.)
 *
 * Supervision: every run has a deadline; past it the caller gets INFERENCE_TIMEOUT and, if the run is on
 * a worker, that worker is killed and replaced (a synchronous ORT run cannot be interrupted). A worker
 * that dies fails its run in flight with INFERENCE_WORKER_CRASHED and is restarted (with backoff when it
 * keeps dying before it is ready). Queued runs wait for the next free worker, preferring one that has
 * the model's session loaded.
 *
 * Dynamic batching (Triton's dynamic batcher; see #takeBatch): runs with a batch policy are grouped per
 * model, policy and feed signature, and a group goes to a free worker as one dispatch once it reaches
 * maxBatchSize rows or a preferred size, or once its oldest run has waited maxQueueDelayMicroseconds.
 * While every worker is busy the queue fills by itself, so under load batches form without any wait.
 * A batched run that a deadline, an abort or a failing row ends settles only its own call: the worker
 * is killed for a deadline only once every run of its dispatch is settled, and a worker that dies
 * during a batch has the batch's runs retried one by one.
 */
export class InferencePool {
  readonly size: number;
  readonly #opts: TInferencePoolOptions;
  readonly #workers: (TWorker | undefined)[];
  readonly #queue: TJob[] = [];
  /** performance.now() of the last run queued, per batch key (sparse-traffic detection, #arrivesAlone). */
  readonly #lastQueued = new Map<string, number>();
  /** Consecutive deaths before "ready", per slot: drives the restart backoff. */
  readonly #startFailures: number[];
  #nextId = 1;
  #closing: Promise<void> | null = null;
  readonly #stats = { completed: 0, failed: 0, timeouts: 0, crashes: 0, restarts: 0, sessionHits: 0, sessionMisses: 0, batches: 0, batchedRuns: 0, batchFallbacks: 0 };
  /** The pending wake-up of #pump for a batch held back by its queue delay. */
  #wake: { at: number; cancel(): void } | null = null;

  constructor(opts: TInferencePoolOptions) {
    this.#opts = opts;
    this.size = Math.max(1, Math.floor(opts.size ?? Math.max(1, availableParallelism() - 1)));
    this.#workers = new Array<TWorker | undefined>(this.size).fill(undefined);
    this.#startFailures = new Array<number>(this.size).fill(0);
    for (let slot = 0; slot < this.size; slot++) this.#spawn(slot);
  }

  /** Runs a model on named input tensors and returns its named outputs. */
  run(modelHash: string, feeds: TFeeds, opts: TRunOptions = {}): Promise<TFeeds> {
    if (this.#closing) return Promise.reject(new AppError("NOT_READY", "The inference pool is shutting down."));
    const timeoutMs = opts.timeoutMs ?? this.#opts.defaultTimeoutMs ?? 30_000;
    if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
      return Promise.reject(new AppError("INVALID_INPUT", `timeoutMs must be between 1 and ${MAX_TIMEOUT_MS}.`, { timeoutMs }));
    }
    const signal = opts.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let payload: TFeeds;
    let batching: ReturnType<typeof batchKeyOf>;
    try {
      payload = compactFeeds(feeds);
      batching = batchKeyOf(modelHash, payload, opts.batch);
    } catch (e) {
      return Promise.reject(e);
    }

    return new Promise<TFeeds>((resolve, reject) => {
      const job: TJob = {
        id: this.#nextId++,
        hash: modelHash,
        name: opts.name ?? modelHash,
        feeds: payload,
        path: undefined,
        batch: batching && opts.batch ? opts.batch : null,
        batchKey: batching?.key ?? null,
        rows: batching?.rows ?? 0,
        queuedAt: 0,
        alone: false,
        solo: false,
        state: "resolving",
        settled: false,
        timer: undefined,
        timeoutMs,
        resolve,
        reject,
        cleanup: undefined,
      };
      job.timer = setTimeout(() => this.#onDeadline(job), timeoutMs);
      if (signal) {
        const onAbort = () => this.#onAbort(job, signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        job.cleanup = () => signal.removeEventListener("abort", onAbort);
      }
      this.#opts.resolveModelPath(modelHash).then(
        (path) => {
          if (job.settled) return;
          if (this.#closing) {
            job.state = "done";
            clearTimeout(job.timer);
            return this.#settle(job, new AppError("NOT_READY", "The inference pool shut down before the run started."));
          }
          job.path = path;
          job.state = "queued";
          job.queuedAt = performance.now();
          const alone = job.batchKey !== null && job.batch !== null && this.#arrivesAlone(job.batchKey, job.queuedAt, job.batch.maxQueueDelayMicroseconds / 1000);
          this.#queue.push(job);
          if (alone) {
            setImmediate(() => {
              job.alone = true;
              this.#pump();
            });
          }
          this.#pump();
        },
        (e: unknown) => {
          job.state = "done";
          clearTimeout(job.timer);
          this.#settle(job, e);
        },
      );
    });
  }

  stats(): TPoolStats {
    return {
      size: this.size,
      queued: this.#queue.length,
      workers: this.#workers.map((w) => ({ pid: w?.child.pid, state: w?.state ?? "dead", runs: w?.runs ?? 0, sessions: [...(w?.sessions ?? [])] })),
      ...this.#stats,
    };
  }

  /**
   * Refuses new runs, fails queued ones (NOT_READY), lets runs in progress finish within the grace
   * period, then stops every worker. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#wake?.cancel();
      this.#wake = null;
      for (const job of this.#queue.splice(0)) {
        job.state = "done";
        clearTimeout(job.timer);
        this.#settle(job, new AppError("NOT_READY", "The inference pool shut down before the run started."));
      }
      const live = this.#workers.filter((w): w is TWorker => w !== undefined && w.state !== "dead");
      await Promise.all(
        live.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.child.once("close", () => resolve());
              const kill = setTimeout(() => this.#kill(w, "shutdown"), this.#opts.shutdownGraceMs ?? 5_000);
              kill.unref();
              w.child.once("close", () => clearTimeout(kill));
              // A starting worker holds nothing and may not listen yet: stop it right away.
              if (w.state === "starting" || !w.child.connected) return this.#kill(w, "shutdown");
              w.child.send({ type: "shutdown" }, (err) => err && this.#kill(w, "shutdown"));
            }),
        ),
      );
    })();
    return this.#closing;
  }

  // ---- workers ----------------------------------------------------------------------------------

  #spawn(slot: number) {
    const config = JSON.stringify({ sessionOptions: this.#opts.sessionOptions ?? {}, maxSessions: this.#opts.maxSessionsPerWorker ?? 8 });
    const child = forkRuntimeChild(WORKER_SCRIPT, [config], this.#opts.workerExecArgv ?? []);
    const worker: TWorker = { slot, child, state: "starting", jobs: [], dispatchId: 0, sessions: [], runs: 0, killing: false, killedBecause: null };
    this.#workers[slot] = worker;
    child.on("message", (m: TWorkerMessage) => this.#onMessage(worker, m));
    // "close" (not "exit") comes after the last IPC message, so a result sent just before dying is not lost.
    child.once("close", (code, signal) => this.#onExit(worker, code, signal));
    child.once("error", (e) => {
      console.error(`[inferline] inference worker ${slot}:`, e.message);
      this.#kill(worker, null);
    });
  }

  #onMessage(worker: TWorker, m: TWorkerMessage) {
    // A result that raced the kill of its worker (deadline) is dropped: the caller already has its answer.
    if (worker.killing) return;
    if (m.type === "ready") {
      if (worker.state !== "starting") return;
      worker.state = "idle";
      this.#startFailures[worker.slot] = 0;
      this.#pump();
      return;
    }
    const jobs = worker.jobs;
    if (jobs.length === 0 || worker.dispatchId !== m.id) return;
    worker.jobs = [];
    worker.sessions = m.sessions;
    worker.runs += jobs.length;
    worker.state = "idle";
    const results = new Map(m.results.map((r) => [r.id, r]));
    if (m.results.some((r) => "outputs" in r)) this.#stats[m.cacheHit ? "sessionHits" : "sessionMisses"]++;
    if (m.batched) {
      this.#stats.batches++;
      this.#stats.batchedRuns += jobs.length;
    }
    if (m.fallback) this.#stats.batchFallbacks++;
    const executions: TBatchExecution[] = [];
    for (const job of jobs) {
      job.state = "done";
      clearTimeout(job.timer);
      const r = results.get(job.id);
      if (r && "outputs" in r) {
        this.#stats.completed++;
        if (job.batch && !m.batched) executions.push({ model: job.name, rows: job.rows, requests: 1 });
        this.#settle(job, null, r.outputs);
      } else {
        this.#stats.failed++;
        this.#settle(job, childFailureToAppError(r?.error ?? { code: "INTERNAL", message: "The inference worker sent no result for this run." }, { model: job.hash }));
      }
    }
    if (m.batched) executions.push({ model: jobs[0]!.name, rows: jobs.reduce((a, j) => a + j.rows, 0), requests: jobs.length });
    if (this.#opts.onBatch) for (const e of executions) this.#opts.onBatch(e);
    this.#pump();
  }

  #onExit(worker: TWorker, code: number | null, signal: NodeJS.Signals | null) {
    const wasStarting = worker.state === "starting";
    worker.state = "dead";
    const jobs = worker.jobs;
    worker.jobs = [];
    const live = jobs.filter((j) => !j.settled);
    if (live.length > 1 && !this.#closing) {
      // A batch died with its worker: retry its runs one by one, so a run that crashes a worker fails alone.
      for (const j of live) j.solo = true;
      for (const j of live) j.state = "queued";
      this.#queue.unshift(...live);
    } else {
      for (const job of jobs) {
        job.state = "done";
        clearTimeout(job.timer);
        if (this.#closing) this.#settle(job, new AppError("NOT_READY", "The inference pool shut down before the run finished."));
        else if (!job.settled) {
          this.#stats.failed++;
          this.#settle(
            job,
            new AppError("INFERENCE_WORKER_CRASHED", `The inference worker running this model died (${signal ?? `exit code ${code}`}); the run was lost and the worker restarted.`, {
              model: job.hash,
              signal,
              exitCode: code,
            }),
          );
        }
      }
    }
    if (this.#closing) return;
    if (worker.killedBecause !== "timeout") {
      this.#stats.crashes++;
      console.error(`[inferline] inference worker ${worker.slot} (pid ${worker.child.pid}) died: ${signal ?? `exit code ${code}`}${jobs[0] ? ` while running model ${jobs[0].hash}` : ""}${live.length > 1 ? ` (a batch of ${live.length} runs, retried one by one)` : ""}`);
    }
    if (wasStarting) this.#startFailures[worker.slot]!++;
    // Back off when a worker cannot even start (0 ms, 0.2 s, 0.4 s … up to 5 s); a normal replacement is immediate.
    const failures = this.#startFailures[worker.slot]!;
    const delay = failures === 0 ? 0 : Math.min(5_000, 100 * 2 ** failures);
    const restart = setTimeout(() => {
      if (this.#closing) return;
      this.#stats.restarts++;
      this.#spawn(worker.slot);
    }, delay);
    restart.unref();
    if (live.length > 1) this.#pump();
  }

  #kill(worker: TWorker, because: TWorker["killedBecause"]) {
    worker.killing = true;
    worker.killedBecause ??= because;
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL");
  }

  // ---- scheduling -------------------------------------------------------------------------------

  /**
   * Whether a run of this batch key arrives to an empty stage: none queued or running, and the previous one came
   * longer than the queue delay ago. Waiting then only adds the delay to its latency (and, for sub-millisecond
   * delays, spins the event loop): at c=1 that was +0.5 ms per call for nothing. Under load the previous run is
   * always recent or still running, so batches form as Triton's rules say.
   */
  #arrivesAlone(key: string, now: number, delayMs: number): boolean {
    const prev = this.#lastQueued.get(key);
    if (this.#lastQueued.size >= 10_000) this.#lastQueued.clear(); // feed signatures are few; never unbounded
    this.#lastQueued.set(key, now);
    if (prev !== undefined && now - prev < delayMs) return false;
    if (this.#queue.some((j) => j.batchKey === key)) return false;
    return !this.#workers.some((w) => w?.jobs.some((j) => j.batchKey === key && j.state === "running"));
  }

  #pump() {
    this.#wake?.cancel();
    this.#wake = null;
    while (this.#queue.length > 0) {
      const idle = this.#workers.filter((w): w is TWorker => w?.state === "idle" && !w.killing);
      if (idle.length === 0) return;
      const batch = this.#takeBatch(performance.now());
      if (typeof batch === "number") return this.#wakeAt(batch);
      const hash = batch[0]!.hash;
      // Session affinity: a worker with the model loaded skips loading it again.
      const worker = idle.find((w) => w.sessions.includes(hash)) ?? idle.reduce((a, b) => (b.sessions.length < a.sessions.length ? b : a));
      this.#dispatch(worker, batch);
    }
  }

  /**
   * The next dispatch, taken off the queue, or — when every group is still waiting for its queue delay —
   * the time (performance.now()) the first delay runs out. Triton's rules, per group of compatible runs
   * (same batch key, in queue order, rows summed up to maxBatchSize): dispatch at once when the rows reach
   * maxBatchSize or the next run does not fit; else the longest prefix whose rows are a preferred size;
   * else everything, once the oldest run has waited maxQueueDelayMicroseconds — or at once when the oldest
   * arrived alone (sparse traffic, `#arrivesAlone`: nothing of its key queued, running or recent). Runs without a policy
   * (and retried ones) go alone, in queue order. Compatible runs may pass an incompatible run queued
   * before them, never the head of their own group.
   */
  #takeBatch(now: number): TJob[] | number {
    let wakeAt = Infinity;
    const seen = new Set<string>();
    for (let i = 0; i < this.#queue.length; i++) {
      const head = this.#queue[i]!;
      if (head.batchKey === null || head.batch === null || head.solo) return this.#queue.splice(i, 1);
      if (seen.has(head.batchKey)) continue;
      seen.add(head.batchKey);
      const { maxBatchSize, maxQueueDelayMicroseconds, preferredBatchSizes } = head.batch;
      const members: number[] = [];
      let rows = 0;
      let cannotGrow = false;
      let preferred = 0;
      for (let k = i; k < this.#queue.length; k++) {
        const j = this.#queue[k]!;
        if (j.batchKey !== head.batchKey || j.solo) continue;
        if (rows + j.rows > maxBatchSize) {
          cannotGrow = true;
          break;
        }
        members.push(k);
        rows += j.rows;
        if (preferredBatchSizes.includes(rows)) preferred = members.length;
      }
      const due = head.alone || now - head.queuedAt >= maxQueueDelayMicroseconds / 1000;
      const take = rows === maxBatchSize ? members.length : preferred > 0 ? preferred : cannotGrow || due ? members.length : 0;
      if (take > 0) {
        const picked = members.slice(0, take);
        const jobs = picked.map((k) => this.#queue[k]!);
        for (const k of picked.reverse()) this.#queue.splice(k, 1);
        return jobs;
      }
      wakeAt = Math.min(wakeAt, head.queuedAt + maxQueueDelayMicroseconds / 1000);
    }
    return wakeAt;
  }

  /**
   * Pumps again at `at` (performance.now() ms). Node's timers have millisecond granularity, so the last
   * sub-millisecond stretch is waited with setImmediate: the event loop keeps serving I/O meanwhile, at the
   * cost of spinning for at most a millisecond while a batch is held for a free worker.
   */
  #wakeAt(at: number) {
    const ms = at - performance.now();
    if (ms >= 1) {
      const t = setTimeout(() => this.#pump(), Math.floor(ms));
      this.#wake = { at, cancel: () => clearTimeout(t) };
    } else {
      const t = setImmediate(() => this.#pump());
      this.#wake = { at, cancel: () => clearImmediate(t) };
    }
  }

  #dispatch(worker: TWorker, jobs: TJob[]) {
    const first = jobs[0]!;
    for (const job of jobs) job.state = "running";
    worker.state = "busy";
    worker.jobs = jobs;
    worker.dispatchId = first.id;
    const message = { type: "run", id: first.id, hash: first.hash, path: first.path, jobs: jobs.map((j) => ({ id: j.id, feeds: j.feeds })) };
    worker.child.send(message, (err) => {
      if (err) this.#kill(worker, null); // the channel is gone: the exit handler fails the jobs as a crash
    });
  }

  #onDeadline(job: TJob) {
    if (job.state === "queued") {
      const i = this.#queue.indexOf(job);
      if (i >= 0) this.#queue.splice(i, 1);
      job.state = "done";
    }
    if (job.state === "running") {
      // The worker is stuck in a synchronous ORT call: the only way to stop it is to kill it — once no other
      // run of its batch is still waiting for its answer (their own deadlines come).
      const worker = this.#workers.find((w) => w?.jobs.includes(job));
      if (worker && worker.jobs.every((j) => j === job || j.settled)) this.#kill(worker, "timeout");
    }
    this.#stats.timeouts++;
    this.#settle(job, new AppError("INFERENCE_TIMEOUT", `The model did not answer within ${formatMs(job.timeoutMs)}.`, { model: job.hash, timeoutMs: job.timeoutMs }));
  }

  #onAbort(job: TJob, reason: unknown) {
    if (job.state === "queued") {
      const i = this.#queue.indexOf(job);
      if (i >= 0) this.#queue.splice(i, 1);
      job.state = "done";
      clearTimeout(job.timer);
    }
    // A running job keeps its worker until it finishes or its deadline kills the worker.
    this.#settle(job, reason ?? new DOMException("The run was aborted.", "AbortError"));
  }

  #settle(job: TJob, error: unknown, outputs?: TFeeds) {
    if (job.settled) return;
    job.settled = true;
    job.cleanup?.();
    if (error !== null) job.reject(error);
    else job.resolve(outputs!);
  }
}

/**
 * What a run may be batched with: its model hash, policy and feed signature (input names, dtypes, trailing
 * dims), and its rows — the first dim, which all its inputs must share. Null when the policy is off or the
 * feeds cannot be batched (a scalar input, first dims that differ, more rows than the batch takes).
 */
function batchKeyOf(hash: string, feeds: TFeeds, policy: TBatchPolicy | undefined): { key: string; rows: number } | null {
  if (!policy) return null;
  const { maxBatchSize, maxQueueDelayMicroseconds, preferredBatchSizes } = policy;
  const int = (n: unknown, max: number) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= max;
  if (!int(maxBatchSize, MAX_BATCH_SIZE) || !int(maxQueueDelayMicroseconds, MAX_QUEUE_DELAY_US) || !Array.isArray(preferredBatchSizes) || !preferredBatchSizes.every((n) => int(n, MAX_BATCH_SIZE))) {
    throw new AppError("INVALID_INPUT", `A batch policy takes whole numbers: maxBatchSize ≤ ${MAX_BATCH_SIZE}, maxQueueDelayMicroseconds ≤ ${MAX_QUEUE_DELAY_US}, preferredBatchSizes.`, { batch: policy });
  }
  if (maxBatchSize <= 1) return null;
  const entries = Object.entries(feeds).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let rows: number | undefined;
  for (const [, t] of entries) {
    if (t.shape.length === 0) return null;
    if (rows === undefined) rows = t.shape[0]!;
    else if (rows !== t.shape[0]) return null;
  }
  if (rows === undefined || rows < 1 || rows > maxBatchSize) return null;
  const signature = entries.map(([name, t]) => [name, t.dtype, t.shape.slice(1)]);
  return { key: JSON.stringify([hash, maxBatchSize, maxQueueDelayMicroseconds, preferredBatchSizes, signature]), rows };
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/**
 * Checks the feeds are tensors and gives every typed array its own buffer: IPC serialises a view's
 * whole backing ArrayBuffer, so a small slice of a large buffer would otherwise be copied in full.
 */
function compactFeeds(feeds: TFeeds): TFeeds {
  const out: TFeeds = {};
  for (const [name, t] of Object.entries(feeds)) {
    if (!isTensor(t)) throw new AppError("INFERENCE_FAILED", `Input '${name}' is not a tensor.`, { input: name });
    if (Array.isArray(t.data)) {
      out[name] = t;
      continue;
    }
    const view = t.data as Exclude<TAnyTensor["data"], string[]>;
    out[name] = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? t : ({ ...t, data: view.slice() } as TAnyTensor);
  }
  return out;
}
