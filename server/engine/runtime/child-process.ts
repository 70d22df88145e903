import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AppError, ERROR_CODES, type TErrorCode } from "../../errors.ts";

/**
 * Runtime children only need ONNX Runtime: they get the system basics and ORT/OpenMP tuning variables,
 * never the database URL or the session secret.
 */
const PASSED_ENV = /^(PATH|HOME|TMPDIR|TMP|TEMP|LANG|LC_[A-Z]+|TZ|ORT_[A-Z0-9_]+|OMP_[A-Z0-9_]+)$/;

export function childEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && PASSED_ENV.test(k)) env[k] = v;
  return env;
}

/**
 * Forks one of the runtime's .mjs scripts with structured-clone IPC ("advanced" serialisation), so
 * typed arrays, BigInt64Array included, cross the boundary as they are. execArgv is explicit: the
 * child must not inherit the parent's loaders (tsx, vitest).
 */
export function forkRuntimeChild(script: URL, args: string[] = [], execArgv: string[] = []): ChildProcess {
  return fork(fileURLToPath(script), args, {
    serialization: "advanced",
    execArgv,
    env: childEnv() as NodeJS.ProcessEnv, // (Next's typings make NODE_ENV mandatory here)
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

/** The IPC form of a failure a child reports. */
export interface TChildFailure {
  code: string;
  message: string;
  details?: Record<string, unknown> | undefined;
}

/** A child's failure as an AppError; codes the app does not know become INTERNAL (never trusted blindly). */
export function childFailureToAppError(f: TChildFailure, extraDetails: Record<string, unknown> = {}): AppError {
  const code = (Object.hasOwn(ERROR_CODES, f.code) ? f.code : "INTERNAL") as TErrorCode;
  if (code === "INTERNAL") console.error("[inferline] model runtime child failed:", f.message);
  return new AppError(code, code === "INTERNAL" ? "The model runtime failed unexpectedly." : f.message, { ...f.details, ...extraDetails });
}
