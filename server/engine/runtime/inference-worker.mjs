/**
 * An inference worker process of InferencePool. Holds an LRU of ONNX Runtime sessions keyed by model
 * hash (shared by every pipeline using the model) and runs one request at a time: the Node binding's
 * run() is synchronous on this thread, and the parent enforces deadlines by killing the process.
 *
 * argv[2]: JSON { sessionOptions, maxSessions }.
 * Protocol (IPC, advanced serialisation):
 *   child → { type: "ready" } once ORT is loaded
 *   parent → { type: "run", id, hash, path, feeds: Record<string, TAnyTensor> }
 *   child → { type: "result", id, outputs, cacheHit, sessions } | { type: "error", id, code, message, details, sessions }
 *   parent → { type: "shutdown" }: release sessions and exit (after the run in progress, if any)
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

async function run({ hash, path, feeds }) {
  const [s, cacheHit] = await session(hash, path);
  const names = Object.keys(feeds);
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
  return { outputs, cacheHit };
}

let chain = Promise.resolve();
process.on("message", (m) => {
  chain = chain.then(async () => {
    if (m.type === "shutdown") {
      for (const s of sessions.values()) await s.release().catch(() => {});
      process.exit(0);
    }
    if (m.type !== "run") return;
    let reply;
    try {
      reply = { type: "result", id: m.id, ...(await run(m)) };
    } catch (e) {
      reply = { type: "error", id: m.id, ...failureMessage(e, "INTERNAL") };
    }
    try {
      process.send({ ...reply, sessions: [...sessions.keys()] });
    } catch (e) {
      process.send({ type: "error", id: m.id, ...failureMessage(e, "INTERNAL"), sessions: [...sessions.keys()] });
    }
  });
});
// The parent is gone (crashed or killed): nothing can use our results.
process.on("disconnect", () => process.exit(0));

process.send({ type: "ready" });
