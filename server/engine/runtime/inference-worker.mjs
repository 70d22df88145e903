/**
 * An inference worker process of InferencePool. Holds an LRU of ONNX Runtime sessions keyed by model
 * hash (shared by every pipeline using the model) and runs one request at a time: the Node binding's
 * run() is synchronous on this thread, and the parent enforces deadlines by killing the process.
 *
 * argv[2]: JSON { sessionOptions, maxSessions }.
 * Protocol (IPC, advanced serialisation):
 *   child → { type: "ready" } once ORT is loaded
 *   parent → { type: "run", id, hash, path, jobs: [{ id, feeds: Record<string, TAnyTensor> }] }
 *   child → { type: "result", id, results: [{ id, outputs } | { id, error: { code, message, details } }],
 *             cacheHit, batched, fallback, sessions }
 *   parent → { type: "shutdown" }: release sessions and exit (after the run in progress, if any)
 * Several jobs are a dynamic batch (the parent grouped runs of one model with equal input names, dtypes
 * and trailing dims): they run as one ORT call on their feeds concatenated along dim 0 when the session's
 * inputs all have a free first dim, and the outputs are split back by each job's rows when every output's
 * first dim is the total (`batched`). If that call throws or its outputs cannot be split, every job runs
 * alone (`fallback`), so a bad row fails only its own job. Concatenating and splitting here keeps that
 * copying off the server's event loop.
 * `sessions` lists the cached model hashes, least recently used first, so the parent can route runs
 * to a worker that already has the model loaded.
 */
import { describeSession, failureMessage, fromOrtTensor, ort, ortSessionOptions, RuntimeFailure, toOrtTensor } from "./ort-common.mjs";

const config = JSON.parse(process.argv[2] ?? "{}");
const maxSessions = Math.max(1, config.maxSessions ?? 8);
const options = ortSessionOptions(config.sessionOptions);
/** hash → InferenceSession; Map order is recency (oldest first). */
const sessions = new Map();

const message = (e) => (e instanceof Error ? e.message : String(e));

async function session(hash, path) {
  const cached = sessions.get(hash);
  if (cached) {
    sessions.delete(hash);
    sessions.set(hash, cached);
    return [cached, true];
  }
  let created;
  try {
    created = await ort.InferenceSession.create(path, options);
  } catch (e) {
    throw new RuntimeFailure("INFERENCE_FAILED", `ONNX Runtime could not load the model: ${message(e)}`, { stage: "load" });
  }
  try {
    // Refuse what the binding cannot hand back (an int4 output aborts the process when run).
    describeSession(created, null);
  } catch (e) {
    await created.release();
    throw e;
  }
  sessions.set(hash, created);
  while (sessions.size > maxSessions) {
    const [oldest, evicted] = sessions.entries().next().value;
    sessions.delete(oldest);
    await evicted.release();
  }
  return [created, false];
}

function checkFeeds(s, names) {
  const missing = s.inputNames.filter((n) => !names.includes(n));
  const unknown = names.filter((n) => !s.inputNames.includes(n));
  if (missing.length || unknown.length) {
    const parts = [];
    if (missing.length) parts.push(`missing input(s) ${missing.map((n) => `'${n}'`).join(", ")}`);
    if (unknown.length) parts.push(`unknown input(s) ${unknown.map((n) => `'${n}'`).join(", ")}`);
    throw new RuntimeFailure("INFERENCE_FAILED", `The feeds do not match the model: ${parts.join("; ")}. It takes ${s.inputNames.join(", ")}.`, {
      stage: "feeds",
      missing,
      unknown,
      expected: s.inputNames,
    });
  }
}

async function runFeeds(s, feeds) {
  const names = Object.keys(feeds);
  checkFeeds(s, names);
  const ortFeeds = {};
  for (const name of names) ortFeeds[name] = toOrtTensor(name, feeds[name]);
  let results;
  try {
    results = await s.run(ortFeeds);
  } catch (e) {
    throw new RuntimeFailure("INFERENCE_FAILED", `ONNX Runtime failed to run the model: ${message(e)}`, { stage: "run" });
  }
  const outputs = {};
  for (const [name, t] of Object.entries(results)) outputs[name] = fromOrtTensor(t);
  return outputs;
}

/** Every session input takes a batch: a known rank of at least one and a first dim that is not a fixed number. */
function takesBatch(s) {
  return s.inputMetadata.every((m) => m.isTensor && m.shape.length > 0 && typeof m.shape[0] !== "number");
}

const rowsOf = (t) => t.shape[0];
const rowSize = (shape) => shape.slice(1).reduce((a, d) => a * d, 1);

function concatRows(tensors) {
  const first = tensors[0];
  const rows = tensors.reduce((a, t) => a + rowsOf(t), 0);
  const length = rows * rowSize(first.shape);
  const data = Array.isArray(first.data) ? new Array(length) : new first.data.constructor(length);
  let at = 0;
  for (const t of tensors) {
    if (Array.isArray(data)) for (let i = 0; i < t.data.length; i++) data[at + i] = t.data[i];
    else data.set(t.data, at);
    at += t.data.length;
  }
  return { kind: "tensor", dtype: first.dtype, shape: [rows, ...first.shape.slice(1)], data };
}

function sliceRows(t, start, n) {
  const row = rowSize(t.shape);
  return { kind: "tensor", dtype: t.dtype, shape: [n, ...t.shape.slice(1)], data: t.data.slice(start * row, (start + n) * row) };
}

/**
 * One ORT call for all jobs, split back per job; null when the outputs cannot be split (an output whose
 * first dim is not the total rows: the model mixes rows, e.g. a flatten or a reduction over dim 0).
 * Throws what the call throws. The parent checked that the jobs' feeds agree in names, dtypes, ranks and
 * trailing dims, and that each job's inputs share one first dim.
 */
async function runMerged(s, jobs) {
  const names = Object.keys(jobs[0].feeds);
  const rows = jobs.map((j) => rowsOf(j.feeds[names[0]]));
  const total = rows.reduce((a, b) => a + b, 0);
  const merged = {};
  for (const name of names) merged[name] = concatRows(jobs.map((j) => j.feeds[name]));
  const outputs = await runFeeds(s, merged);
  if (!Object.values(outputs).every((t) => t.shape.length > 0 && t.shape[0] === total)) return null;
  const split = jobs.map(() => ({}));
  for (const [name, t] of Object.entries(outputs)) {
    let at = 0;
    rows.forEach((n, k) => {
      split[k][name] = sliceRows(t, at, n);
      at += n;
    });
  }
  return split;
}

async function run({ hash, path, jobs }) {
  const [s, cacheHit] = await session(hash, path);
  let fallback = false;
  if (jobs.length > 1 && takesBatch(s)) {
    let split = null;
    try {
      split = await runMerged(s, jobs);
    } catch {
      // One of the jobs is bad (or the model refuses the batch): run them alone below, so only it fails.
    }
    if (split) return { results: jobs.map((j, k) => ({ id: j.id, outputs: split[k] })), cacheHit, batched: true, fallback: false };
    fallback = true;
  }
  const results = [];
  for (const j of jobs) {
    try {
      results.push({ id: j.id, outputs: await runFeeds(s, j.feeds) });
    } catch (e) {
      results.push({ id: j.id, error: failureMessage(e, "INTERNAL") });
    }
  }
  return { results, cacheHit, batched: false, fallback };
}

let chain = Promise.resolve();
process.on("message", (m) => {
  chain = chain.then(async () => {
    if (m.type === "shutdown") {
      for (const s of sessions.values()) await s.release().catch(() => {});
      process.exit(0);
    }
    if (m.type !== "run") return;
    const failAll = (e) => ({ results: m.jobs.map((j) => ({ id: j.id, error: failureMessage(e, "INTERNAL") })), cacheHit: false, batched: false, fallback: false });
    let reply;
    try {
      reply = { type: "result", id: m.id, ...(await run(m)) };
    } catch (e) {
      // The session could not be loaded: every job fails the same way.
      reply = { type: "result", id: m.id, ...failAll(e) };
    }
    try {
      process.send({ ...reply, sessions: [...sessions.keys()] });
    } catch (e) {
      process.send({ type: "result", id: m.id, ...failAll(e), sessions: [...sessions.keys()] });
    }
  });
});
// The parent is gone (crashed or killed): nothing can use our results.
process.on("disconnect", () => process.exit(0));

process.send({ type: "ready" });
