import { spawn, type ChildProcess } from "node:child_process";

/**
 * The crash tests' server: test/invocations/fixtures/crash-entry.ts in a real separate process (the start-up
 * code of server/main.ts for the database and the invocation log, and the lean-path server, without Next), so
 * it can be killed with SIGKILL. `target` is "pglite:<dir>" or a postgresql:// URL; `env` adds the fixture's
 * knobs (HANG_MODELS, MAX_QUEUED_RUNS, SLOW_RUN_EVERY, SLOW_RUN_MS, INVOCATION_LOG_DURABILITY).
 */
export interface TEntry {
  child: ChildProcess;
  port: number;
  base: string;
  /** Rows of interrupted runs this start marked abandoned. */
  abandoned: number;
  /** Rows of finished runs this start wrote from the run journal (durability `journal`: answered, not yet shipped). */
  replayed: number;
  instance: number | null;
  output(): string;
  /** Resolves when the process prints this line. */
  waitFor(line: string): Promise<void>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEntry(target: string, dataDir: string, env: Record<string, string> = {}): Promise<TEntry> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/invocations/fixtures/crash-entry.ts"], {
    env: { ...process.env, INFERLINE_TEST_DB: target, DATA_DIR: dataDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const listeners: (() => void)[] = [];
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    for (const l of listeners.splice(0)) l();
  });
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const waitFor = (line: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.split("\n").includes(line)) return resolve();
        if (child.exitCode !== null) return reject(new Error(`entry exited (${child.exitCode}):\n${out}`));
        listeners.push(check);
      };
      check();
    });
  const first = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const l = out.split("\n").find((x) => x.startsWith("{"));
      if (l) return resolve(l);
      listeners.push(check);
    };
    child.once("exit", (code) => reject(new Error(`entry exited (${code}):\n${out}`)));
    check();
  });
  const info = JSON.parse(first) as { port: number; abandoned: number; replayed: number; instance: number | null };
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
  return {
    child,
    ...info,
    base: `http://127.0.0.1:${info.port}`,
    output: () => out,
    waitFor,
    async kill9() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
