/**
 * Browser end-to-end test of the Logs page: set up the admin, install the examples, make a successful and a
 * failing iris call, then find both in /logs, filter by status, open the failed one and read its error node
 * and per-node waterfall. Runs the real server on a fresh embedded PGlite database against an existing
 * production build (`npx next build` first).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newPage, screenshot, screenshotPath, setupAdmin, startAppServer, trpcData, trpcMutation, trpcQuery, type TAppServer } from "./harness.ts";

const PORT = Number(process.env.E2E_LOGS_PORT ?? 3250);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "ada@example.com", name: "Ada Lovelace", password: "correct horse battery" };
const FLOWER = { sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 };

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];
/** Rows already in the log before the test's own calls (the example install runs its examples). */
let base = 0;

const shot = (name: string) => screenshot(page, `logs-${name}`);

interface TGraphLike {
  nodes: { id: string; type: string; params: Record<string, unknown> }[];
  edges: { id: string; source: { node: string; port: string }; target: { node: string; port: string } }[];
}

const nav = (name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });

beforeAll(async () => {
  server = await startAppServer({ port: PORT, tmpPrefix: "inferline-e2e-logs-", env: { INFERENCE_WORKERS: "1" } });
  browser = await launchBrowser();
  ({ page } = await newPage(browser, BASE, { errors: pageErrors, formatError: (err, p) => `${p.url()}: ${err.stack ?? err.message}` }));
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

describe("Logs page in a browser", () => {
  it("sets up the admin and installs the examples", async () => {
    await setupAdmin(page, ADMIN);

    await nav("Logs").click();
    await page.waitForURL(/\/logs$/);
    await page.getByText("No invocations yet").waitFor();
    await shot("01-empty");

    await nav("Models").click();
    await page.waitForURL(/\/models$/);
    await page.getByTestId("install-examples").click();
    await page.getByTestId("examples-installed").waitFor({ timeout: 120_000 });
  });

  it("logs a successful and a failing call and lists both", async () => {
    // Installing the examples runs each of them once (their check); count those first.
    base = trpcData<{ items: unknown[] }>(await trpcQuery(page, "invocations.list", { limit: 200 })).items.length;
    const rows = page.getByTestId("log-row");
    const ok = await trpcMutation(page, "runs.test", { slug: "iris-classifier", target: 1, inputs: { flower: FLOWER } });
    expect(ok.status, ok.body).toBe(200);
    const bad = await trpcMutation(page, "runs.test", { slug: "iris-classifier", target: 1, inputs: { flower: { sepal_length_cm: 5 } } });
    expect(bad.body).toMatch(/features/);

    await nav("Logs").click();
    await page.waitForURL(/\/logs$/);
    await expect.poll(() => rows.count()).toBe(base + 2);
    // Newest first: the failing call, then the successful one.
    expect(await rows.nth(0).getAttribute("data-status")).toBe("error");
    expect(await rows.nth(1).getAttribute("data-status")).toBe("ok");
    await expect.poll(() => page.locator('[data-testid="log-row"][data-status="error"]').count()).toBe(1);
    const table = (await page.getByTestId("logs-table").textContent()) ?? "";
    expect(table).toContain("Iris");
    expect(table).toContain("v1");
    expect(table).toContain("editor");
    expect(table).toMatch(/at features/);
    await shot("02-list");

    // Live tail: a call made after the page loaded shows up without a reload.
    await page.getByTestId("live-tail").check();
    await trpcMutation(page, "runs.test", { slug: "iris-classifier", target: 1, inputs: { flower: { ...FLOWER, sepal_length_cm: 6.3 } } });
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(base + 3);
    expect(await rows.nth(0).getAttribute("data-status")).toBe("ok");
    await page.getByTestId("live-tail").uncheck();
  });

  it("filters by status, pipeline and latency", async () => {
    await page.getByTestId("filter-status").selectOption("error");
    await expect.poll(() => page.getByTestId("log-row").count()).toBe(1);
    expect(await page.getByTestId("log-row").first().getAttribute("data-status")).toBe("error");
    await shot("03-filtered-error");

    await page.getByTestId("filter-status").selectOption("");
    await page.getByTestId("filter-pipeline").selectOption("iris-classifier");
    // Other examples' check runs drop out; the three iris calls stay.
    await expect.poll(() => page.getByTestId("log-row").count()).toBeLessThan(base + 3);
    const iris = await page.getByTestId("log-row").count();
    expect(iris).toBeGreaterThanOrEqual(3);
    for (const cell of await page.getByTestId("log-row").locator("td:nth-child(2)").allTextContents()) expect(cell).toBe("Iris classifier");
    await page.getByTestId("filter-source").selectOption("rest");
    await page.getByText("No invocations match these filters").waitFor();
    await page.getByTestId("filter-source").selectOption("editor");
    await expect.poll(() => page.getByTestId("log-row").count()).toBe(3);
    await page.getByTestId("filter-source").selectOption("");
    await page.getByTestId("filter-version").fill("draft");
    await page.getByText("No invocations match these filters").waitFor();
    await page.getByTestId("filter-version").fill("v1");
    await expect.poll(() => page.getByTestId("log-row").count()).toBe(iris);
    await page.getByTestId("filter-version").fill("production");
    await page.getByText("No invocations match these filters").waitFor();
    await page.getByTestId("filter-version").fill("");
    await expect.poll(() => page.getByTestId("log-row").count()).toBe(iris);
    await page.getByTestId("filter-min-ms").fill("600000");
    await page.getByText("No invocations match these filters").waitFor();
    await page.getByTestId("filter-min-ms").fill("");
    await expect.poll(() => page.getByTestId("log-row").count()).toBe(iris);
    await page.getByTestId("filter-status").selectOption("error");
    await expect.poll(() => page.getByTestId("log-row").count()).toBe(1);
  });

  it("opens the failed call with its error node and waterfall", async () => {
    await page.getByTestId("log-row").first().click();
    await page.waitForURL(/\/logs\/[0-9a-f-]{36}$/);
    await page.getByTestId("log-detail").waitFor();
    await expect.poll(() => page.getByTestId("log-error-node").textContent()).toBe("features");
    const error = (await page.getByTestId("log-error").textContent()) ?? "";
    expect(error).toMatch(/[A-Z_]{3,}/);
    const inputs = (await page.getByTestId("log-inputs").textContent()) ?? "";
    expect(inputs).toContain("sepal_length_cm");
    const waterfall = page.getByTestId("waterfall");
    await waterfall.waitFor();
    expect(await page.getByTestId("waterfall-row").count()).toBeGreaterThanOrEqual(1);
    const failed = page.locator('[data-testid="waterfall-row"][data-node="features"]');
    expect(await failed.textContent()).toContain("error");
    await shot("04-detail-error");

    // And a successful call: outputs and every node ok, bars laid out by start and duration.
    await page.goBack();
    await page.waitForURL(/\/logs$/);
    await page.getByTestId("filter-status").selectOption("ok");
    await expect.poll(() => page.getByTestId("log-row").first().getAttribute("data-status")).toBe("ok");
    await page.getByTestId("log-row").first().click();
    await page.waitForURL(/\/logs\/[0-9a-f-]{36}$/);
    await page.getByTestId("waterfall").waitFor();
    expect(await page.getByTestId("log-outputs").textContent()).toBeTruthy();
    const bars = await page.locator(".waterfall-bar").evaluateAll((els) => els.map((e) => (e as HTMLElement).style.width));
    expect(bars.length).toBeGreaterThanOrEqual(2);
    for (const w of bars) expect(Number.parseFloat(w)).toBeGreaterThan(0);
    expect(await page.getByTestId("log-error").count()).toBe(0);
    await shot("05-detail-ok");
  });

  it("pages with Load more", async () => {
    const made = await page.evaluate(async (flower) => {
      let ok = 0;
      for (let i = 0; i < 50; i++) {
        const res = await fetch("/api/trpc/runs.test", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ slug: "iris-classifier", target: 1, inputs: { flower: { ...flower, sepal_length_cm: 4.5 + i / 20 } } }),
        });
        if (res.ok) ok++;
      }
      return ok;
    }, FLOWER);
    expect(made).toBe(50);
    await page.goto("/logs");
    const rows = page.getByTestId("log-row");
    await expect.poll(() => rows.count()).toBe(50);
    await page.getByTestId("load-more").click();
    await expect.poll(() => rows.count()).toBe(base + 53);
    await page.getByText("end of log").waitFor();
    const ids = await rows.evaluateAll((els) => els.map((e) => e.querySelector("a")?.getAttribute("href")));
    expect(new Set(ids).size).toBe(ids.length);
    expect(pageErrors).toEqual([]);
  });
  it("replays a failed production call in the editor, and the fixed draft passes on the same input", async () => {
    // A client app calls production over REST with a record that lacks a field: the call fails at `features`.
    const created = await trpcMutation(page, "apiKeys.create", { name: "mobile app", pipelines: [] });
    expect(created.status, created.body).toBe(200);
    const key = (JSON.parse(created.body) as { result: { data: { key: string; id: string } } }).result.data;
    const partial = { sepal_length_cm: 6.1, sepal_width_cm: 2.8, petal_length_cm: 4.7 };
    const res = await fetch(`${BASE}/api/v1/pipelines/iris-classifier/invoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json" },
      body: JSON.stringify({ flower: partial }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");

    // Found in the logs by its API key.
    await page.goto("/logs");
    await page.getByTestId("filter-api-key").selectOption(key.id);
    await expect.poll(() => page.getByTestId("log-row").count()).toBe(1);
    expect(await page.getByTestId("log-row").first().getAttribute("data-status")).toBe("error");
    expect(await page.getByTestId("logs-table").textContent()).toContain("rest");
    await page.getByTestId("log-row").first().click();
    await page.waitForURL(/\/logs\/[0-9a-f-]{36}$/);
    const callId = page.url().split("/").pop()!;
    await expect.poll(() => page.getByTestId("log-error-node").textContent()).toBe("features");

    // Replay: the editor opens on version 1 as it ran, with the failed node marked, and the inputs loaded.
    await page.getByTestId("replay-in-editor").click();
    await page.waitForURL(new RegExp(`/pipelines/iris-classifier\\?replay=${callId}$`));
    const banner = page.getByTestId("replay-banner");
    await banner.waitFor();
    expect(await page.getByTestId("replay-error-node").textContent()).toBe("Features from record (features)");
    expect(await page.getByTestId("replay-recorded-error").textContent()).toContain("petal_width_cm");
    await page.getByTestId("version-view").waitFor();
    expect(await page.getByTestId("version-replay-note").textContent()).toContain("failed in features");
    const failedNode = page.getByTestId("version-view").getByTestId("node-features-run");
    await failedNode.waitFor();
    expect(await failedNode.textContent()).toContain("petal_width_cm");
    expect(await page.getByTestId("version-view").getByTestId("node-input-run").textContent()).toContain("✓");
    const flowField = page.getByTestId("run-panel").getByLabel("flower");
    expect(JSON.parse(await flowField.inputValue())).toEqual(partial);
    await shot("06-replay-opened");

    // Re-run on the unchanged draft: it fails the same way, side by side with the recorded answer.
    await page.getByTestId("replay-run").click();
    await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("Failed");
    await page.getByTestId("replay-compare").waitFor();
    expect(await page.getByTestId("compare-status").getAttribute("data-same")).toBe("true");
    expect(await page.getByTestId("compare-summary").textContent()).toBe("identical");

    // Fix the draft: missing fields become NaN and are imputed with the training means before scaling.
    // (Editing through the canvas is covered by editor.e2e; here the fix is saved the way an import would.)
    const draft = trpcData<{ graph: TGraphLike; layout: { nodes: Record<string, { x: number; y: number }> }; revision: number }>(await trpcQuery(page, "drafts.get", { slug: "iris-classifier" }));
    const graph = draft.graph;
    const scale = graph.nodes.find((n) => n.id === "scale")!;
    graph.nodes = graph.nodes.map((n) => (n.id === "features" ? { ...n, params: { ...n.params, missing: "nan" } } : n));
    graph.nodes.push({ id: "impute", type: "tabular/impute@v1", params: { values: scale.params.mean } });
    graph.edges = graph.edges.filter((e) => e.id !== "e-scale");
    graph.edges.push({ id: "e-impute", source: { node: "features", port: "features" }, target: { node: "impute", port: "x" } });
    graph.edges.push({ id: "e-scale", source: { node: "impute", port: "y" }, target: { node: "scale", port: "x" } });
    draft.layout.nodes.impute = { x: 390, y: 240 };
    const saved = await trpcMutation(page, "drafts.save", { slug: "iris-classifier", graph, layout: draft.layout, baseRevision: draft.revision });
    expect(saved.status, saved.body).toBe(200);

    // Same replay link, same recorded input: the fixed draft answers, and the comparison shows what changed.
    await page.reload();
    await banner.waitFor();
    await page.getByTestId("replay-run").click();
    await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("OK");
    expect(await page.getByTestId("version-view").count()).toBe(0);
    expect(await page.getByTestId("compare-status").getAttribute("data-same")).toBe("false");
    const label = page.getByTestId("compare-output-label");
    await label.waitFor();
    expect(await label.getAttribute("data-same")).toBe("false");
    expect(await label.locator("td").nth(1).textContent()).toMatch(/setosa|versicolor|virginica/);
    expect(await page.getByTestId("node-impute-run").textContent()).toContain("✓");
    expect(await page.getByTestId("compare-inputs-edited").count()).toBe(0);
    await shot("07-replay-fixed");
    await page.getByTestId("replay-compare").screenshot({ path: screenshotPath("logs-08-replay-compare") });

    // Inputs edited by hand: the comparison says the draft did not run on the recorded call.
    await flowField.fill(JSON.stringify({ ...partial, petal_width_cm: 0.2 }));
    await page.getByTestId("run-draft").click();
    await page.getByTestId("compare-inputs-edited").waitFor();

    // Closing the replay drops it from the URL.
    await banner.getByRole("button", { name: "Close the replay" }).click();
    await page.waitForURL(/\/pipelines\/iris-classifier$/);
    await banner.waitFor({ state: "detached" });
    expect(pageErrors).toEqual([]);
  });
  it("sets a pipeline's log policy in the UI: a redacted field is stored as [redacted] from the next call on", async () => {
    await page.goto("/pipelines/iris-classifier");
    await page.getByRole("tab", { name: "Versions & activity" }).click();
    const panel = page.getByTestId("log-policy-panel");
    await panel.waitFor();
    expect(await page.getByTestId("log-policy-mode").inputValue()).toBe("full");
    await page.getByTestId("log-policy-redact").fill("flower.petal_width_cm\nnot a path");
    await page.getByTestId("log-policy-save").click();
    await panel.getByText("is not a field name or a dotted path").waitFor();
    await page.getByTestId("log-policy-redact").fill("flower.petal_width_cm");
    await page.getByTestId("log-policy-save").click();
    await panel.getByText("The next calls are logged this way.").waitFor();
    await panel.screenshot({ path: screenshotPath("logs-09-log-policy") });

    const ok = await trpcMutation(page, "runs.test", { slug: "iris-classifier", target: 1, inputs: { flower: FLOWER } });
    expect(ok.status, ok.body).toBe(200);
    const id = (JSON.parse(ok.body) as { result: { data: { invocationId: string } } }).result.data.invocationId;
    await page.goto(`/logs/${id}`);
    const inputs = page.getByTestId("log-inputs");
    await inputs.waitFor();
    const logged = JSON.parse((await inputs.textContent()) ?? "{}") as { flower: Record<string, unknown> };
    expect(logged.flower).toEqual({ ...FLOWER, petal_width_cm: "[redacted]" });
    expect(pageErrors).toEqual([]);
  });
});
