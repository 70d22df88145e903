import { spawn, type ChildProcess } from "node:child_process";

export interface TServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the real server (`node --import tsx server/main.ts`, what `npm start` runs) and waits for /readyz. */
export async function startServer(port: number, env: Record<string, string | undefined>): Promise<TServerProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", HOST: "127.0.0.1", PORT: String(port), ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - t0 > 120_000) throw new Error(`server did not become ready:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    output: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode); // gone already (e.g. SIGKILLed)
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}

/** A tiny cookie-keeping tRPC-over-HTTP client, as curl would use it. */
export function httpClient(base: string) {
  let cookie: string | undefined;
  const absorb = (res: Response) => {
    const set = res.headers.get("set-cookie");
    if (set) cookie = set.split(";")[0]?.endsWith("=") ? undefined : set.split(";")[0];
    return res;
  };
  return {
    async mutate(proc: string, input: unknown) {
      const res = absorb(await fetch(`${base}/api/trpc/${proc}`, { method: "POST", headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) }, body: JSON.stringify(input) }));
      return { status: res.status, body: (await res.json()) as { result?: { data: unknown }; error?: { message: string; data: { appCode: string } } } };
    },
    async query(proc: string, input?: unknown) {
      const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
      const res = absorb(await fetch(`${base}/api/trpc/${proc}${q}`, { headers: cookie ? { cookie } : {} }));
      return { status: res.status, body: (await res.json()) as { result?: { data: unknown }; error?: { message: string; data: { appCode: string } } } };
    },
  };
}
