import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** A batch worker (`npm run worker`: server/worker.ts, no HTTP) as a separate process. */
export interface TWorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Its instance number, once it logged "batch worker ready". */
  instance: Promise<number>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export function startWorker(env: Record<string, string>): TWorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "server/worker.ts"], { cwd: ROOT, env: { ...process.env, INFERENCE_WORKERS: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  let ready: (n: number) => void;
  const instance = new Promise<number>((r) => (ready = r));
  child.stdout!.on("data", (d: Buffer) => {
    log += d.toString();
    const m = /batch worker ready \(instance (\d+)/.exec(log);
    if (m) ready(Number(m[1]));
  });
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    child,
    output: () => log,
    instance,
    async kill9() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
