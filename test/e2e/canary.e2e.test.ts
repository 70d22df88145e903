/**
 * Browser end-to-end test of canary and shadow on an alias (issue 14 item 4): three committed versions of a
 * small classifier; in the UI, production is split 90/10 (random) with v1 answering, a canary v2 and a shadow v3;
 * 120 REST calls; the response headers say which version answered; the Dashboard tab's comparison panel shows
 * per-version counts, errors, latency and the shadow's agreement; promoting the canary in one click moves
 * production through the publish gate. Runs the real server on a fresh embedded PGlite database against an
 * existing production build (`npx next build` first).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { launchBrowser, newPage, openAliasSplit, screenshot, setupAdmin, startAppServer, trpcData, trpcMutation, trpcQuery, type TAppServer } from "./harness.ts";

const PORT = Number(process.env.E2E_CANARY_PORT ?? 3310);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "ada@example.com", name: "Ada Lovelace", password: "correct horse battery" };
const SLUG = "toy";
const CALLS = 120;

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
let apiKey = "";
const pageErrors: string[] = [];
const served = new Map<number, number>();

const shot = (name: string, fullPage = true) => screenshot(page, `canary-${name}`, { fullPage });

async function trpc<T>(name: string, input: unknown, method: "GET" | "POST"): Promise<T> {
  const res = method === "GET" ? await trpcQuery(page, name, input) : await trpcMutation(page, name, input);
  expect(res.status, res.body).toBe(200);
  return trpcData<T>(res);
}

function variant(node: string, params: Record<string, number[]>) {
  const g = toyClassifierGraph();
  g.nodes.find((n) => n.id === node)!.params = params;
  return g;
}

beforeAll(async () => {
  server = await startAppServer({ port: PORT, tmpPrefix: "inferline-e2e-canary-" });
  browser = await launchBrowser();
  ({ page } = await newPage(browser, BASE, { errors: pageErrors }));
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

describe("Canary and shadow on an alias in a browser", () => {
  it("sets up three versions, production on v1, and an API key", async () => {
    await setupAdmin(page, ADMIN);
    await trpc("pipelines.create", { slug: SLUG, name: "Toy classifier" }, "POST");
    const graphs = [
      toyClassifierGraph(),
      variant("scale", { mean: [1, 2.000001], std: [2, 4] }), // v2: the same answers, within tolerance
      variant("scale", { mean: [1, 4], std: [2, 4] }), // v3: a moved threshold: some answers differ
    ];
    for (const [i, graph] of graphs.entries()) {
      const d = await trpc<{ revision: number }>("drafts.get", { slug: SLUG }, "GET");
      await trpc("drafts.save", { slug: SLUG, graph, layout: {}, baseRevision: d.revision }, "POST");
      await trpc("versions.commit", { slug: SLUG, message: ["first", "rescaled b by a hair", "moved b's mean"][i] }, "POST");
    }
    await trpc("aliases.set", { slug: SLUG, alias: "production", version: 1 }, "POST");
    apiKey = (await trpc<{ key: string }>("apiKeys.create", { name: "e2e canary" }, "POST")).key;
  });

  it("splits production 90/10 with a shadow from the Versions & activity tab", async () => {
    await page.goto(`/pipelines/${SLUG}`);
    const { row, dialog } = await openAliasSplit(page, "production");
    await dialog.getByTestId("split-canary").selectOption("2");
    // Out of range first: the form says so and nothing is sent.
    await dialog.getByTestId("split-weight").fill("100");
    await dialog.getByTestId("save-split").click();
    await dialog.getByText("A whole percentage from 1 to 99.").waitFor();
    await dialog.getByTestId("split-weight").fill("10");
    await dialog.getByTestId("split-mode").selectOption("random");
    await dialog.getByTestId("split-shadow").selectOption("3");
    await shot("01-split-dialog", false);
    await dialog.getByTestId("save-split").click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => row.getByTestId("alias-canary").textContent()).toBe("90 % · canary v2 10 % (random)");
    expect(await row.getByTestId("alias-shadow").textContent()).toBe("shadow v3");
    await page.getByTestId("activity-panel").getByText("split alias production: v1, canary v2 at 10 % (random), shadow v3").waitFor();
    await shot("02-aliases-split");
  });

  it(`serves ${CALLS} REST calls from v1 and v2, each saying which version answered`, async () => {
    for (let i = 0; i < CALLS; i++) {
      const res = await fetch(`${BASE}/api/v1/pipelines/${SLUG}/invoke`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ flower: { a: (i % 7) - 1, b: (i % 5) + 1 } }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { version: number; outputs: { label: string } };
      expect(res.headers.get("x-inferline-version")).toBe(String(body.version));
      served.set(body.version, (served.get(body.version) ?? 0) + 1);
    }
    expect([...served.keys()].sort()).toEqual([1, 2]); // never the shadow
    expect(served.get(2)!).toBeGreaterThan(0);
    expect(served.get(2)!).toBeLessThan(CALLS / 3);
  });

  it("compares the versions on the dashboard", async () => {
    await page.getByTestId("dashboard-tab").click();
    const panel = page.locator('[data-testid="alias-comparison"][data-alias="production"]');
    await panel.waitFor();
    const count = (role: string) => panel.locator(`[data-testid="comparison-row"][data-role="${role}"] [data-testid="comparison-count"]`).textContent();
    await expect.poll(() => count("shadow"), { timeout: 20_000 }).toBe(String(CALLS));
    expect(await count("primary")).toBe(String(served.get(1)));
    expect(await count("canary")).toBe(String(served.get(2)));
    const agreement = await panel.getByTestId("agreement-rate").textContent();
    expect(agreement).toMatch(/^\d+(\.\d)?%$/);
    const rate = Number.parseFloat(agreement!);
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThan(100); // v3 moved a threshold: some answers differ
    expect(await panel.getByTestId("shadow-agreement").textContent()).toContain(`of ${CALLS} compared`);
    expect(await panel.textContent()).toContain("canary v2 10 % (random)");
    for (const cell of await panel.locator('[data-testid="comparison-row"] td.num.nowrap').allTextContents()) expect(cell).toMatch(/^\d+(\.\d+)? (µs|ms|s)$/);
    // The rest of the dashboard counts each call once: shadow copies only show here.
    expect(await page.getByTestId("dash-requests").textContent()).toBe(String(CALLS));
    expect(await page.locator('[data-testid="slow-node-row"][data-node="features"] td.num').first().textContent()).toBe(String(CALLS));
    await panel.scrollIntoViewIfNeeded();
    await shot("03-dashboard-comparison");
  });

  it("promotes the canary in one click through the publish gate", async () => {
    const panel = page.locator('[data-testid="alias-comparison"][data-alias="production"]');
    await panel.getByTestId("promote-canary").click();
    const confirm = page.getByTestId("promote-confirm");
    await confirm.getByText("Move production from v1 to v2 and end the split?").waitFor();
    await shot("04-promote-confirm", false);
    await confirm.getByTestId("confirm-promote").click();
    await confirm.waitFor({ state: "detached" });
    await expect.poll(async () => (await trpc<{ name: string; version: number; canary: unknown }[]>("aliases.list", { slug: SLUG }, "GET")).find((a) => a.name === "production")).toMatchObject({ version: 2, canary: null, shadow: 3 });
    await expect.poll(() => panel.getByTestId("promote-canary").count()).toBe(0);
    const res = await fetch(`${BASE}/api/v1/pipelines/${SLUG}/invoke`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ flower: { a: 1, b: 1 } }) });
    expect(res.headers.get("x-inferline-version")).toBe("2");
    await page.getByTestId("history-tab").click();
    await page.getByTestId("activity-panel").getByText("promoted canary v2 of production (was v1)").waitFor();
    await shot("05-promoted");
  });

  it("marks shadow copies in the logs and links them to the call they copy", async () => {
    const { items } = await trpc<{ items: { id: string; shadowOf: string | null; versionNumber: number }[] }>("invocations.list", { slug: SLUG, limit: 200 }, "GET");
    const copy = items.find((r) => r.shadowOf !== null)!;
    expect(copy.versionNumber).toBe(3);
    await page.goto(`/logs?slug=${SLUG}`);
    await page.getByTestId("shadow-badge").first().waitFor();
    await page.goto(`/logs/${copy.id}`);
    await page.getByText("Shadow copy", { exact: true }).waitFor();
    await shot("06-shadow-row");
    await page.getByTestId("shadow-of-link").click();
    await page.waitForURL(new RegExp(`/logs/${copy.shadowOf}$`));
    expect(await page.getByTestId("shadow-link").first().textContent()).toMatch(/^v3 \((ok|error)\)$/);
    expect(pageErrors).toEqual([]);
  });
});
