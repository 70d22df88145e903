/**
 * Shared set-up for the browser end-to-end tests: the real server on a fresh embedded PGlite database (against an
 * existing production build, `npx next build` first), headless Debian chromium, pages that record their uncaught
 * errors, the first-run admin setup, screenshots and tRPC calls from a signed-in page.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from "playwright-core";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SHOTS = path.join(ROOT, "test/e2e/screenshots");

export interface TAppServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the server wrote to stdout and stderr. */
  log: string[];
  /** SIGTERM (SIGKILL after 15 s), then removes the data directory. */
  stop(): Promise<void>;
}

export interface TAppServerOptions {
  port: number;
  /** Prefix of the temporary DATA_DIR (under the OS temp dir). */
  tmpPrefix?: string;
  /** Extra environment for the server, e.g. `{ INFERENCE_WORKERS: "1" }`. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

/**
 * Starts `node --import tsx server/main.ts` (what `npm start` runs) in production mode on 127.0.0.1:`port` with a
 * fresh DATA_DIR: the embedded database, and no bootstrap admin, so the first visitor gets the setup page.
 * Resolves once /readyz answers 200; if it never does, the server is stopped and the error carries its log.
 */
export async function startAppServer({ port, tmpPrefix = "inferline-e2e-", env = {}, readyTimeoutMs = 120_000 }: TAppServerOptions): Promise<TAppServer> {
  const base = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), tmpPrefix));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, NODE_ENV: "production", ...env };
  delete childEnv.DATABASE_URL;
  delete childEnv.ADMIN_EMAIL;
  delete childEnv.ADMIN_PASSWORD;
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  const log: string[] = [];
  child.stdout?.on("data", (d: Buffer) => log.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => log.push(d.toString()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await waitForReady(base, child, log, readyTimeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { base, dataDir, child, log, stop };
}

async function waitForReady(base: string, child: ChildProcess, log: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log.join("")}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server not ready after ${timeoutMs} ms:\n${log.join("")}`);
}

/** Headless chromium (CHROMIUM_PATH, else /usr/bin/chromium) with the flags every e2e test uses. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export interface TNewPageOptions {
  /** Uncaught page errors are pushed here (a new array when not given; returned either way). */
  errors?: string[];
  /** How an uncaught error is recorded; the message by default. */
  formatError?: (err: Error, page: Page) => string;
  /** Playwright's default timeout for the page's actions and waits. */
  timeout?: number;
  /** 1280×800 by default. */
  viewport?: { width: number; height: number };
  /** Permissions granted to the app's origin, e.g. `["clipboard-read", "clipboard-write"]`. */
  permissions?: string[];
  /** Any other context options (baseURL and viewport are set from the arguments above). */
  context?: BrowserContextOptions;
}

/** A new browser context on `base` (so `page.goto("/x")` works) and a page in it that records its uncaught errors. */
export async function newPage(browser: Browser, base: string, opts: TNewPageOptions = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const { errors = [], formatError = (err: Error) => err.message, timeout = 20_000, viewport = { width: 1280, height: 800 }, permissions, context: contextOptions } = opts;
  const context = await browser.newContext({ ...contextOptions, viewport, baseURL: base });
  if (permissions?.length) await context.grantPermissions(permissions, { origin: base });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("pageerror", (err) => errors.push(formatError(err, page)));
  return { context, page, errors };
}

export interface TAdmin {
  email: string;
  name: string;
  password: string;
}

/** Fills the first-run setup form (the page must be on /setup); `confirm` defaults to the password. */
export async function fillSetupForm(page: Page, admin: TAdmin, confirm = admin.password) {
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Name").fill(admin.name);
  await page.getByLabel("Password", { exact: true }).fill(admin.password);
  await page.getByLabel("Confirm password").fill(confirm);
}

/**
 * Creates the first admin through the setup page and waits for the pipeline list. From "/" (the default) it first
 * checks that a fresh install sends the visitor to /setup; `{ from: "/setup" }` opens the form directly.
 */
export async function setupAdmin(page: Page, admin: TAdmin, { from = "/" }: { from?: "/" | "/setup" } = {}) {
  await page.goto(from);
  if (from !== "/setup") await page.waitForURL(/\/setup$/);
  await fillSetupForm(page, admin);
  await page.getByRole("button", { name: "Create admin account" }).click();
  await page.waitForURL(/\/pipelines$/);
}

let shotsDirMade = false;

/** The path of screenshot `name` (without .png) in test/e2e/screenshots, which is created if need be. */
export function screenshotPath(name: string): string {
  if (!shotsDirMade) {
    mkdirSync(SHOTS, { recursive: true });
    shotsDirMade = true;
  }
  return path.join(SHOTS, `${name}.png`);
}

/**
 * Saves screenshot `name` with animations disabled. Full-page shots (the default) are taken from the top; with
 * `fullPage: false`, the viewport as it is (e.g. with a dialog open: its backdrop is fixed to the viewport).
 */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}) {
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath(name), fullPage, animations: "disabled" });
}

export interface TTrpcResponse {
  status: number;
  body: string;
}

/** A tRPC mutation from the page (same cookies as the UI); the raw status and body. */
export function trpcMutation(page: Page, name: string, input: unknown): Promise<TTrpcResponse> {
  return page.evaluate(
    async ([n, i]) => {
      const res = await fetch(`/api/trpc/${n}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(i) });
      return { status: res.status, body: await res.text() };
    },
    [name, input] as const,
  );
}

/** A tRPC query from the page (same cookies as the UI); the raw status and body. */
export function trpcQuery(page: Page, name: string, input: unknown): Promise<TTrpcResponse> {
  return page.evaluate(
    async ([n, i]) => {
      const res = await fetch(`/api/trpc/${n}?input=${encodeURIComponent(JSON.stringify(i))}`);
      return { status: res.status, body: await res.text() };
    },
    [name, input] as const,
  );
}

/** The `result.data` of a tRPC response body. */
export function trpcData<T>(res: TTrpcResponse): T {
  return (JSON.parse(res.body) as { result: { data: T } }).result.data;
}

/** On a pipeline page: opens the Versions & activity tab and the Canary / shadow dialog of `alias`. */
export async function openAliasSplit(page: Page, alias: string): Promise<{ row: Locator; dialog: Locator }> {
  await page.getByTestId("history-tab").click();
  const row = page.locator(`[data-testid="alias-row"][data-alias="${alias}"]`);
  await row.getByTestId("edit-split").click();
  const dialog = page.getByTestId("alias-split-dialog");
  await dialog.waitFor();
  return { row, dialog };
}
