/**
 * Browser end-to-end test of batch jobs (issue 11): set up the admin, install the examples, upload a 10k-row CSV
 * on the iris pipeline's Batches tab, keep the suggested mapping (the four measurement columns become the
 * `flower` record), start it on `production`, watch the progress bar move to the end, download the CSV results
 * (one line per input row, failed rows with their coded error), and open a failed row's invocation log. Then the
 * same dataset over REST with an API key: POST …/batches with the CSV as the body, poll the status, download
 * the results. Runs the real server (which runs the jobs itself: no worker configured) on a fresh embedded PGlite
 * database against an existing production build (`npx next build` first).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newPage, screenshot, setupAdmin, startAppServer, trpcData, trpcMutation, type TAppServer } from "./harness.ts";

const PORT = Number(process.env.E2E_BATCHES_PORT ?? 3270);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "ada@example.com", name: "Ada Lovelace", password: "correct horse battery" };
const IRIS = "iris-classifier";
const ROWS = 10_000;
/** Rows whose petal width is empty: the pipeline refuses them, so they fail with a coded error. */
const BAD = new Set([17, 4_321, 9_998]);

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
let csvPath = "";
let csv = "";
const pageErrors: string[] = [];

const shot = (name: string) => screenshot(page, `batches-${name}`);

function irisCsv(): string {
  const lines = ["sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm"];
  for (let i = 0; i < ROWS; i++) {
    // Setosa-like, versicolor-like and virginica-like rows in turn.
    const k = i % 3;
    const petalWidth = BAD.has(i) ? "" : (0.2 + k * 1.0 + (i % 7) * 0.01).toFixed(2);
    lines.push([(5.0 + k * 0.9).toFixed(1), (3.4 - k * 0.4).toFixed(1), (1.4 + k * 2.5).toFixed(1), petalWidth].join(","));
  }
  return `${lines.join("\n")}\n`;
}

beforeAll(async () => {
  server = await startAppServer({ port: PORT, tmpPrefix: "inferline-e2e-batches-", env: { INFERENCE_WORKERS: "1" } });
  csv = irisCsv();
  csvPath = path.join(server.dataDir, "iris-10k.csv");
  await writeFile(csvPath, csv);
  browser = await launchBrowser();
  ({ page } = await newPage(browser, BASE, { errors: pageErrors }));
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

/** Lines of a CSV results file (header included), parsed naively: our cells never hold a newline. */
function csvLines(text: string): string[] {
  return text.split("\n").filter((l) => l.length > 0);
}

describe("Batch jobs in a browser and over REST", () => {
  let batchId = "";

  it("uploads a 10k-row CSV, maps it and starts a batch on production", async () => {
    await setupAdmin(page, ADMIN);
    await page.goto("/models");
    await page.getByTestId("install-examples").click();
    await page.getByTestId("examples-installed").waitFor({ timeout: 120_000 });

    await page.goto(`/pipelines/${IRIS}`);
    await page.getByRole("tab", { name: "Batches" }).click();
    await page.getByTestId("batches-panel").waitFor();
    await page.getByText("No batches yet").waitFor();
    await page.getByTestId("batch-file").setInputFiles(csvPath);
    await page.getByTestId("batch-upload").click();
    const setup = page.getByTestId("batch-setup");
    await setup.waitFor({ timeout: 60_000 });
    await setup.getByText("iris-10k.csv").waitFor();
    expect(await setup.textContent()).toContain(`${ROWS} rows`);
    // The first rows as a preview, and the suggested mapping: a record of the four columns → flower.
    // Both arrive with the dataset's detail query, after the setup card shows (CI once read them too early).
    await page.getByTestId("batch-preview").locator("tbody tr").first().waitFor({ timeout: 30_000 });
    await page.getByTestId("batch-map-flower").waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("batch-preview").locator("th").allTextContents()).toEqual(["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]);
    expect(await page.getByTestId("batch-preview").locator("tbody tr").first().locator("td").allTextContents()).toEqual(["5.0", "3.4", "1.4", "0.20"]);
    await expect.poll(() => page.getByTestId("batch-map-flower").inputValue()).toBe("record");
    await expect.poll(() => page.getByTestId("batch-target").inputValue()).toBe("alias:production");
    await shot("01-mapped");

    await page.getByTestId("batch-start").click();
    const item = page.getByTestId("batch-item").first();
    await item.waitFor();
    batchId = (await item.getAttribute("data-batch-id")) ?? "";
    expect(batchId).not.toBe("");
  });

  it("shows the progress move, then the batch ends `failed` with its failed rows counted (any failed row fails the batch; the rest are done)", async () => {
    const item = page.locator(`[data-batch-id="${batchId}"]`);
    const bar = item.getByRole("progressbar");
    // Seen part-way at least once (the bar moves as chunks finish), then at the end.
    let sawPartial = false;
    let sawEta = false;
    const t0 = Date.now();
    for (;;) {
      const status = await item.getAttribute("data-status");
      const now = Number(await bar.getAttribute("aria-valuenow"));
      if (status === "running" && now > 0 && now < ROWS) {
        // The ETA shows once a rate is known (after the first chunks).
        const eta = /ETA \d/.test((await item.getByTestId("batch-counts").textContent()) ?? "");
        if (!sawPartial || (eta && !sawEta)) await shot("02-running");
        sawPartial = true;
        sawEta ||= eta;
      }
      if (status === "failed") break;
      expect(["queued", "running"], `batch ended ${status}`).toContain(status);
      expect(Date.now() - t0, "the batch took longer than 4 minutes").toBeLessThan(240_000);
      await page.waitForTimeout(250);
    }
    expect(sawPartial, "the progress bar never showed a partial state").toBe(true);
    expect(sawEta, "no ETA was shown while the batch ran").toBe(true);
    expect(await bar.getAttribute("aria-label")).toBe(`Batch progress: ${ROWS - BAD.size} done, ${BAD.size} failed of ${ROWS}`);
    const counts = (await item.getByTestId("batch-counts").textContent()) ?? "";
    expect(counts).toContain(`${(ROWS - BAD.size).toLocaleString("en")} done`);
    expect(counts).toContain(`${BAD.size} failed`);
    expect(await item.getByTestId("batch-retry").textContent()).toBe("Retry failed");
    await shot("03-finished");
  }, 300_000);

  it("downloads the results as CSV: one line per input row, failed rows with their coded error", async () => {
    const item = page.locator(`[data-batch-id="${batchId}"]`);
    const href = (await item.getByTestId("batch-download-csv").getAttribute("href")) ?? "";
    expect(href).toContain(`id=${encodeURIComponent(batchId)}`);
    const res = await page.request.get(href); // the page's cookies: the session authorises it
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toMatch(/^text\/csv/);
    const lines = csvLines(await res.text());
    expect(lines).toHaveLength(ROWS + 1);
    const header = lines[0]!.split(",");
    expect(header.slice(0, 2)).toEqual(["row", "status"]);
    const statusAt = (i: number) => lines[i + 1]!.split(",")[1];
    expect([...BAD].map(statusAt)).toEqual(["error", "error", "error"]);
    expect(lines.filter((l) => l.split(",")[1] === "ok")).toHaveLength(ROWS - BAD.size);
    expect(lines[17 + 1]).toMatch(/INVALID_INPUT|MISSING|petal_width_cm/);

    // JSONL too; and without a session the route refuses with problem+json.
    const jsonl = await page.request.get((await item.getByTestId("batch-download-jsonl").getAttribute("href")) ?? "");
    const records = (await jsonl.text()).trim().split("\n").map((l) => JSON.parse(l) as { row: number; status: string; outputs?: { label?: unknown } });
    expect(records).toHaveLength(ROWS);
    expect(records[0]).toMatchObject({ row: 0, status: "ok" });
    expect(records[0]!.outputs).toBeDefined();
    const anon = await fetch(`${BASE}${href}`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get("content-type")).toMatch(/problem\+json/);
  });

  it("lists the failed rows and opens one's invocation log", async () => {
    const item = page.locator(`[data-batch-id="${batchId}"]`);
    // A batch just started opens its rows; open them if they are not.
    const toggle = item.getByTestId("batch-rows-toggle");
    if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
    await item.getByTestId("batch-rows-status").selectOption("error");
    const table = item.getByTestId("batch-rows-table");
    await expect.poll(() => table.locator("tbody tr").count()).toBe(BAD.size);
    expect(await table.locator("tbody tr td:first-child").allTextContents()).toEqual([...BAD].map((i) => String(i + 1)));
    await shot("04-failed-rows");
    await table.locator("tbody tr").first().getByRole("link", { name: "Open log" }).click();
    await page.waitForURL(/\/logs\/[^/]+$/);
    await expect.poll(() => page.locator(".page-subtitle").first().textContent()).toContain(" · batch · ");
    await page.locator(".logs-detail-title").getByText("error", { exact: true }).waitFor();
    await shot("05-row-log");
  });

  it("runs the same dataset over REST with an API key: create, poll, download", async () => {
    const key = trpcData<{ key: string }>(await trpcMutation(page, "apiKeys.create", { name: "e2e batches" })).key;
    const created = await fetch(`${BASE}/api/v1/pipelines/${IRIS}@production/batches`, { method: "POST", headers: { "content-type": "text/csv", authorization: `Bearer ${key}` }, body: csv });
    expect(created.status, await created.clone().text()).toBe(202);
    const { id } = (await created.json()) as { id: string };
    let status: { status: string; done: number; failed: number; total: number } | undefined;
    const t0 = Date.now();
    for (;;) {
      const r = await fetch(`${BASE}/api/v1/pipelines/${IRIS}/batches/${id}`, { headers: { authorization: `Bearer ${key}` } });
      expect(r.status).toBe(200);
      status = (await r.json()) as typeof status;
      if (status!.status !== "queued" && status!.status !== "running") break;
      expect(Date.now() - t0).toBeLessThan(240_000);
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(status).toMatchObject({ status: "failed", total: ROWS, done: ROWS - BAD.size, failed: BAD.size });
    const results = await fetch(`${BASE}/api/v1/pipelines/${IRIS}/batches/${id}/results?format=csv`, { headers: { authorization: `Bearer ${key}` } });
    expect(results.status).toBe(200);
    expect(csvLines(await results.text())).toHaveLength(ROWS + 1);
    // The two batches are both listed in the browser.
    await page.goto(`/pipelines/${IRIS}`);
    await page.getByRole("tab", { name: "Batches" }).click();
    await expect.poll(() => page.getByTestId("batch-item").count()).toBe(2);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
