import { AppError } from "../../errors.ts";
import { childFailureToAppError, forkRuntimeChild, type TChildFailure } from "./child-process.ts";
import type { TModelMetadata, TSessionOptions } from "./types.ts";

const INSPECT_WORKER = new URL("./inspect-worker.mjs", import.meta.url);

export interface TInspectOptions {
  /** Loading a large model takes seconds; a file that keeps ORT busy longer than this is refused. */
  timeoutMs?: number;
  sessionOptions?: TSessionOptions;
}

type TInspectReply = { ok: true; metadata: TModelMetadata } | ({ ok: false } & TChildFailure);

/**
 * Reads an uploaded model's signature and header in a one-shot child process (inspect-worker.mjs):
 * garbage, truncated files, external-data references, unsupported types and models ORT refuses come
 * back as coded AppErrors (MODEL_INVALID, MODEL_EXTERNAL_DATA, MODEL_UNSUPPORTED_TYPE); a native crash
 * or a hang only ends that child. `filePath` is always a server-chosen path, never user input.
 */
export function inspectModel(filePath: string, opts: TInspectOptions = {}): Promise<TModelMetadata> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const child = forkRuntimeChild(INSPECT_WORKER);
  return new Promise<TModelMetadata>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      settle();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    const timer = setTimeout(
      () => finish(() => reject(new AppError("MODEL_INVALID", `ONNX Runtime did not finish loading the model within ${Math.round(timeoutMs / 100) / 10} s.`, { reason: "timeout" }))),
      timeoutMs,
    );
    child.once("message", (reply: TInspectReply) => finish(() => (reply.ok ? resolve(reply.metadata) : reject(childFailureToAppError(reply)))));
    // "close", not "exit": it comes after every IPC message has been delivered, so a reply is never lost.
    child.once("close", (code, signal) =>
      finish(() =>
        reject(new AppError("MODEL_INVALID", `ONNX Runtime crashed while loading the model (${signal ?? `exit code ${code}`}).`, { reason: "crash", signal, exitCode: code })),
      ),
    );
    child.once("error", (e) => finish(() => reject(new AppError("INTERNAL", "The model inspector could not be started.", undefined, { cause: e }))));
    child.send({ path: filePath, sessionOptions: opts.sessionOptions ?? {} });
  });
}
