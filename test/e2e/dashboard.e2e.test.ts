/**
 * Browser end-to-end test of the per-pipeline dashboard and the pipelines list's sparklines: set up the admin,
 * install the examples, call iris over REST with an API key (successful and failing calls, in two consecutive
 * minutes so the latency lines have a segment to draw), then read the sparkline's total on /pipelines and the
 * Dashboard tab's figures, charts and slowest nodes. Runs the real server on a fresh embedded PGlite database
 * against an existing production build (`npx next build` first).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatPercent } from "../../components/dashboard/series.ts";
import { launchBrowser, newPage, screenshot, setupAdmin, startAppServer, trpcData, trpcMutation, trpcQuery, type TAppServer } from "./harness.ts";

const PORT = Number(process.env.E2E_DASHBOARD_PORT ?? 3260);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "ada@example.com", name: "Ada Lovelace", password: "correct horse battery" };
const IRIS = "iris-classifier";
const FLOWER = { sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 };

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
let apiKey = "";
const pageErrors: string[] = [];

const shot = (name: string) => screenshot(page, `dashboard-${name}`);

/** A tRPC call from the signed-in page (same cookies as the UI). */
async function trpc<T>(name: string, input: unknown, method: "GET" | "POST"): Promise<T> {
  const res = method === "GET" ? await trpcQuery(page, name, input) : await trpcMutation(page, name, input);
  expect(res.status, res.body).toBe(200);
  return trpcData<T>(res);
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
  server = await startAppServer({ port: PORT, tmpPrefix: "inferline-e2e-dashboard-", env: { INFERENCE_WORKERS: "1" } });
  browser = await launchBrowser();
  ({ page } = await newPage(browser, BASE, { errors: pageErrors }));
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

describe("Pipeline dashboard and sparklines in a browser", () => {
  it("sets up the admin, installs the examples and creates an API key", async () => {
    await setupAdmin(page, ADMIN);

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
