/**
 * Browser end-to-end test of the per-pipeline dashboard and the pipelines list's sparklines: set up the admin,
 * install the examples, call iris over REST with an API key (successful and failing calls, in two consecutive
 * minutes so the latency lines have a segment to draw), then read the sparkline's total on /pipelines and the
 * Dashboard tab's figures, charts and slowest nodes. Runs the real server on a fresh embedded PGlite database
 * against an existing production build (`npx next build` first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatPercent } from "../../components/dashboard/series.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = path.join(ROOT, "test/e2e/screenshots");
const PORT = Number(process.env.E2E_DASHBOARD_PORT ?? 3260);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "ada@example.com", name: "Ada Lovelace", password: "correct horse battery" };
const IRIS = "iris-classifier";
const FLOWER = { sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 };

let server: ChildProcess | undefined;
let dataDir: string | undefined;
let browser: Browser | undefined;
let page: Page;
let apiKey = "";
const serverLog: string[] = [];
const pageErrors: string[] = [];

async function shot(name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, `dashboard-${name}.png`), fullPage: true, animations: "disabled" });
}

async function waitForReady(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server?.exitCode !== null && server?.exitCode !== undefined) throw new Error(`server exited with ${server.exitCode}:\n${serverLog.join("")}`);
    try {
      if ((await fetch(`${BASE}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server not ready after ${timeoutMs} ms:\n${serverLog.join("")}`);
}

/** A tRPC call from the signed-in page (same cookies as the UI). */
async function trpc<T>(name: string, input: unknown, method: "GET" | "POST"): Promise<T> {
  const res = await page.evaluate(
    async ([n, i, m]) => {
      const url = m === "GET" ? `/api/trpc/${n}?input=${encodeURIComponent(JSON.stringify(i))}` : `/api/trpc/${n}`;
      const r = await fetch(url, m === "GET" ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(i) });
      return { status: r.status, body: await r.text() };
    },
    [name, input, method] as const,
  );
  expect(res.status, res.body).toBe(200);
  return (JSON.parse(res.body) as { result: { data: T } }).result.data;
}

/** Iris's logged runs, as the dashboard should count them (`running` rows are not finished). */
async function irisLog() {
  const { items } = await trpc<{ items: { status: string }[] }>("invocations.list", { slug: IRIS, limit: 200 }, "GET");
  const finished = items.filter((r) => r.status !== "running");
  return { all: items.length, finished: finished.length, errors: finished.filter((r) => r.status === "error" || r.status === "abandoned").length };
}

/** One REST call to iris's production alias. */
async function invoke(flower: Record<string, number>): Promise<number> {
  const res = await fetch(`${BASE}/api/v1/pipelines/${IRIS}/invoke`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ flower }),
  });
  await res.arrayBuffer();
  return res.status;
}

const nav = (name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  dataDir = await mkdtemp(path.join(os.tmpdir(), "inferline-e2e-dashboard-"));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(PORT), HOST: "127.0.0.1", DATA_DIR: dataDir, NODE_ENV: "production", INFERENCE_WORKERS: "1" };
  delete env.DATABASE_URL;
  delete env.ADMIN_EMAIL;
  delete env.ADMIN_PASSWORD;
  server = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout?.on("data", (d: Buffer) => serverLog.push(d.toString()));
  server.stderr?.on("data", (d: Buffer) => serverLog.push(d.toString()));
  await waitForReady(120_000);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: BASE });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  if (server && server.exitCode === null) {
    const exited = new Promise<void>((resolve) => server?.once("exit", () => resolve()));
    server.kill("SIGTERM");
    const timer = setTimeout(() => server?.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("Pipeline dashboard and sparklines in a browser", () => {
  it("sets up the admin, installs the examples and creates an API key", async () => {
    await page.goto("/");
    await page.waitForURL(/\/setup$/);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Name").fill(ADMIN.name);
    await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await page.getByLabel("Confirm password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL(/\/pipelines$/);

    await nav("Models").click();
    await page.waitForURL(/\/models$/);
    await page.getByTestId("install-examples").click();
    await page.getByTestId("examples-installed").waitFor({ timeout: 120_000 });

    apiKey = (await trpc<{ key: string }>("apiKeys.create", { name: "e2e dashboard" }, "POST")).key;
    expect(apiKey).toMatch(/^il_/);
  });

  it("shows an empty dashboard for a pipeline nobody called", async () => {
    await trpc("pipelines.create", { slug: "quiet", name: "Quiet" }, "POST");
    await page.goto("/pipelines/quiet");
    await page.getByRole("tab", { name: "Dashboard" }).click();
    await page.getByText("No runs in the last hour").waitFor();
    await shot("01-empty");
  });

  it("counts successful and failing REST calls over two minutes", async () => {
    const before = await irisLog();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await invoke({ ...FLOWER, petal_length_cm: 1.4 + i }));
    statuses.push(await invoke({ sepal_length_cm: 5 }));
    // Next minute: a second bucket, so every latency line has a segment and not only a dot.
    await new Promise((r) => setTimeout(r, 60_500 - (Date.now() % 60_000)));
    for (let i = 0; i < 3; i++) statuses.push(await invoke({ ...FLOWER, petal_width_cm: 0.2 + i }));
    statuses.push(await invoke({ petal_width_cm: 1 }));
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    expect(statuses.filter((s) => s !== 200)).toHaveLength(2);
    await expect.poll(async () => (await irisLog()).finished, { timeout: 10_000 }).toBe(before.finished + 9);
    expect((await irisLog()).errors).toBe(before.errors + 2);
  }, 120_000);

  it("draws a sparkline per pipeline with the last 24 h's total in its label", async () => {
    const { all } = await irisLog();
    await page.goto("/pipelines");
    const spark = page.getByTestId(`sparkline-${IRIS}`);
    await spark.waitFor();
    expect(await spark.getAttribute("aria-label")).toBe(`${all} requests in the last 24 h`);
    expect(await spark.getAttribute("role")).toBe("img");
    // An SVG with an area whose outline has a point per hour.
    const d = (await spark.locator("svg path.recharts-area-curve").first().getAttribute("d")) ?? "";
    expect(d.startsWith("M")).toBe(true);
    expect(await spark.locator("svg").count()).toBe(1);
    // Every pipeline row has one.
    const rows = await page.locator('[data-testid^="pipeline-row-"]').count();
    expect(await page.locator('[data-testid^="sparkline-"] svg').count()).toBe(rows);
    await shot("02-pipelines-list");
  });

  it("shows requests, error rate, latency and the slowest nodes on the Dashboard tab", async () => {
    const log = await irisLog();
    await page.getByTestId(`pipeline-row-${IRIS}`).getByRole("link", { name: "Iris classifier" }).click();
    await page.waitForURL(new RegExp(`/pipelines/${IRIS}$`));
    await page.getByRole("tab", { name: "Dashboard" }).click();
    await page.getByTestId("pipeline-dashboard").waitFor();

    await expect.poll(() => page.getByTestId("dash-requests").textContent()).toBe(String(log.finished));
    expect(await page.getByTestId("dash-error-rate").textContent()).toBe(formatPercent((100 * log.errors) / log.finished));
    expect(await page.getByRole("link", { name: `${log.errors} errors` }).getAttribute("href")).toBe(`/logs?slug=${IRIS}&status=error`);
    for (const p of ["dash-p50", "dash-p95", "dash-p99"]) expect(await page.getByTestId(p).textContent()).toMatch(/^\d+(\.\d+)? (ms|s)$/);

    // Bars for the minutes with calls, an error-rate area, and three latency lines with segments.
    const requests = page.getByTestId("chart-requests");
    await requests.locator("svg").first().waitFor();
    expect(await requests.locator(".recharts-bar-rectangle path").count()).toBeGreaterThanOrEqual(2);
    const lines = page.getByTestId("chart-latency").locator("path.recharts-line-curve");
    await expect.poll(() => lines.count()).toBe(3);
    for (const d of await lines.evaluateAll((els) => els.map((e) => e.getAttribute("d") ?? ""))) expect(d).toMatch(/^M[\d.,-]+L[\d.,-]+/);
    expect(await page.getByTestId("chart-errors").locator("path.recharts-area-curve").count()).toBeGreaterThanOrEqual(1);

    const nodes = await page.getByTestId("slow-node-row").evaluateAll((els) => els.map((e) => e.getAttribute("data-node")));
    expect(nodes).toEqual(expect.arrayContaining(["features", "scale", "model0", "topk"]));
    const model = page.locator('[data-testid="slow-node-row"][data-node="model0"]');
    expect(await model.textContent()).toContain("model/onnx@v1");
    await shot("03-dashboard-1h");

    // Hourly buckets over a day: the same runs, one bar.
    await page.getByRole("button", { name: "Last 24 h" }).click();
    await expect.poll(() => page.getByTestId("chart-requests").getByText("Requests per hour").count()).toBe(1);
    expect(await page.getByTestId("dash-requests").textContent()).toBe(String(log.finished));
    await shot("04-dashboard-24h");
    expect(pageErrors).toEqual([]);
  });
});
