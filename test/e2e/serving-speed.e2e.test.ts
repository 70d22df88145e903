/**
 * Browser end-to-end test of issue 12's settings as a user meets them: dynamic batching in the ONNX node's
 * inspector (set, saved into the draft, committed and published), the pipeline's response cache toggle, and a
 * cached call marked `cached` on the Logs page and its detail. Calls go over REST with an API key, as a client
 * would make them. Runs the real server (`npm start` path: Next + lean path, embedded PGlite, inference
 * workers) against an existing production build (`npx next build` first).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newPage, screenshot, setupAdmin, startAppServer, trpcData, trpcMutation, trpcQuery, type TAppServer } from "./harness.ts";

const PORT = Number(process.env.E2E_SERVING_SPEED_PORT ?? 3330);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "grace@example.com", name: "Grace Hopper", password: "correct horse battery" };
const IRIS = "iris-classifier";
const FLOWER = { sepal_length_cm: 6.4, sepal_width_cm: 3.2, petal_length_cm: 4.5, petal_width_cm: 1.5 };

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
let apiKey = "";
const pageErrors: string[] = [];
const shot = (name: string) => screenshot(page, `serving-speed-${name}`);
const inspector = () => page.getByTestId("inspector");

async function trpc<T>(name: string, input: unknown, method: "GET" | "POST"): Promise<T> {
  const res = method === "GET" ? await trpcQuery(page, name, input) : await trpcMutation(page, name, input);
  expect(res.status, res.body).toBe(200);
  return trpcData<T>(res);
}

async function invoke(): Promise<{ status: number; cache: string | null; id: string; label: string }> {
  const res = await fetch(`${BASE}/api/v1/pipelines/${IRIS}/invoke`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ flower: FLOWER }) });
  const body = (await res.json()) as { invocation_id: string; outputs: { label: string } };
  return { status: res.status, cache: res.headers.get("x-inferline-cache"), id: body.invocation_id, label: body.outputs.label };
}

beforeAll(async () => {
  server = await startAppServer({ port: PORT, tmpPrefix: "inferline-e2e-speed-", env: { INFERENCE_WORKERS: "1" } });
  browser = await launchBrowser();
  ({ page } = await newPage(browser, BASE, { errors: pageErrors, timeout: 15_000, viewport: { width: 1680, height: 1050 } }));
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

describe("Serving speed settings in a browser", () => {
  it("sets dynamic batching on the iris model node in the inspector, commits and publishes it", async () => {
    await setupAdmin(page, ADMIN);
    await page.goto("/models");
    await page.getByTestId("install-examples").click();
    await page.getByTestId("examples-installed").waitFor({ timeout: 120_000 });
    apiKey = (await trpc<{ key: string }>("apiKeys.create", { name: "e2e speed" }, "POST")).key;

    await page.goto(`/pipelines/${IRIS}`);
    await page.getByTestId("editor").waitFor();
    const model = page.locator('.react-flow__node[data-id="model0"]');
    await model.locator(".pnode-header").click();
    await page.getByRole("tab", { name: "Inspector", exact: true }).click();
    const batching = inspector().locator("fieldset", { has: page.locator("legend", { hasText: "Batching" }) });
    await batching.waitFor();
    // Off by default: the fields are empty and show the defaults.
    expect(await batching.getByLabel("Max batch size").inputValue()).toBe("");
    expect(await batching.getByLabel("Max batch size").getAttribute("placeholder")).toBe("0 (default)");
    expect(await batching.getByLabel("Max queue delay microseconds").getAttribute("placeholder")).toBe("500 (default)");
    await batching.getByLabel("Max batch size").fill("32");
    await batching.getByLabel("Max queue delay microseconds").fill("300");
    await page.getByTestId("save-state").getByText(/^Saved · revision \d+$/).waitFor();
    await shot("01-batching-inspector");

    const draft = await trpc<{ graph: { nodes: { id: string; params: { batching?: unknown } }[] } }>("drafts.get", { slug: IRIS }, "GET");
    expect(draft.graph.nodes.find((n) => n.id === "model0")?.params.batching).toEqual({ maxBatchSize: 32, maxQueueDelayMicroseconds: 300 });
    await page.getByTestId("problems-errors").getByText("0 errors").waitFor();

    await page.getByRole("button", { name: "Commit…" }).click();
    const dialog = page.getByTestId("commit-dialog");
    await dialog.getByLabel("Version message").fill("Dynamic batching, 32 rows / 300 µs");
    await dialog.getByRole("button", { name: "Commit version" }).click();
    await page.getByTestId("canvas-toast").getByText("Committed version 2.").waitFor();
    await trpc("aliases.set", { slug: IRIS, alias: "production", version: 2 }, "POST");

    // Concurrent calls on the published version are batched: the pool's histogram counts batches.
    const calls = await Promise.all(Array.from({ length: 24 }, () => invoke()));
    expect(calls.every((c) => c.status === 200 && c.label === calls[0]!.label)).toBe(true);
    const metrics = await (await fetch(`${BASE}/metrics`)).text();
    expect(metrics).toMatch(/inferline_inference_batch_size_count\{model="iris-logreg@1"\} \d+/);
    const batches = Number(/^inferline_inference_batches_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    expect(batches, "executions that answered several calls at once").toBeGreaterThan(0);
  });

  it("turns the response cache on from the pipeline page; the repeated call is a hit", async () => {
    await page.goto(`/pipelines/${IRIS}`);
    await page.getByRole("tab", { name: "Versions & activity" }).click();
    const panel = page.getByTestId("cache-policy-panel");
    await panel.waitFor();
    expect(await panel.getByTestId("cache-enabled").isChecked()).toBe(false);
    expect(await panel.getByTestId("cache-ttl").isDisabled()).toBe(true);
    await panel.getByTestId("cache-enabled").check();
    await panel.getByTestId("cache-ttl").fill("0");
    await panel.getByTestId("cache-policy-save").click();
    await panel.getByText("A whole number of seconds, 1 to 604800 (7 days).").waitFor();
    await panel.getByTestId("cache-ttl").fill("120");
    await panel.getByTestId("cache-policy-save").click();
    await panel.getByText("Repeated calls are answered from the cache from now on.").waitFor();
    await page.getByTestId("activity-panel").getByText("turned the response cache on (answers kept 120 s)").waitFor();
    await shot("02-cache-panel");

    // The serving path reads the setting with the pipeline (2 s) — this process was told at once.
    const first = await invoke();
    const second = await invoke();
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.cache, second.cache]).toEqual(["miss", "hit"]);
    expect(second.label).toBe(first.label);

    await page.goto(`/logs?slug=${IRIS}`);
    const row = page.locator("tr", { has: page.locator(`a[href="/logs/${second.id}"]`) });
    await row.getByTestId("cached-badge").waitFor();
    expect(await page.locator("tr", { has: page.locator(`a[href="/logs/${first.id}"]`) }).getByTestId("cached-badge").count()).toBe(0);
    await shot("03-logs-cached");
    await page.goto(`/logs/${second.id}`);
    await page.getByText("Answered from the response cache").waitFor();
    await page.getByTestId("cached-badge").waitFor();
    await shot("04-log-detail-cached");
    expect(pageErrors).toEqual([]);
  });
});
