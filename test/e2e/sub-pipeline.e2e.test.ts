/**
 * Browser end-to-end test of the sub-pipeline node (issue 14 item 3): on an empty canvas, add a Sub-pipeline
 * from the palette, pick iris-classifier@production in the inspector (its ports appear, typed), wire an input
 * and an output to it, test-run a held-out row and read the iris pipeline's own nodes nested under the node
 * in the timing; commit, and the version holds the alias pinned to its version. Runs the real server
 * (embedded PGlite in a fresh temp dir) against an existing production build (`npx next build` first).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canvasHelpers } from "./canvas-helpers.ts";
import { launchBrowser, newPage, ROOT, screenshot, setupAdmin, startAppServer, trpcData, trpcMutation, trpcQuery, type TAppServer } from "./harness.ts";

const PORT = Number(process.env.E2E_SUB_PIPELINE_PORT ?? 3320);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "pia@example.com", name: "Pia Pipeline", password: "correct horse battery" };
const SLUG = "iris-wrapper";

const CARD = JSON.parse(readFileSync(path.join(ROOT, "prisma/seed/models/iris-logreg.json"), "utf8")) as { heldOut: { rows: Record<string, number>[]; predicted: string[] } };
const HELD_OUT = (() => {
  const i = CARD.heldOut.predicted.findIndex((p) => p === "virginica");
  return { row: CARD.heldOut.rows[i]!, predicted: CARD.heldOut.predicted[i]! };
})();

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];

const shot = (name: string) => screenshot(page, `sub-pipeline-${name}`, { fullPage: false });
const { inspector, handle, edgeCount, dropNode, dragConnection, waitForSaved, newPipelineOnEmptyCanvas } = canvasHelpers(() => page);

beforeAll(async () => {
  server = await startAppServer({ port: PORT, tmpPrefix: "inferline-e2e-sub-pipeline-" });
  browser = await launchBrowser();
  ({ page } = await newPage(browser, BASE, { errors: pageErrors, timeout: 15_000, viewport: { width: 1680, height: 1050 } }));
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

describe("a sub-pipeline node in the editor", () => {
  it("installs the examples and starts from an empty canvas", async () => {
    await setupAdmin(page, ADMIN, { from: "/setup" });
    const installed = await trpcMutation(page, "examples.install", {});
    expect(installed.status, installed.body).toBe(200);
    await newPipelineOnEmptyCanvas("Iris wrapper", SLUG);
  });

  it("adds the node from the palette, picks iris-classifier@production and shows its typed ports", async () => {
    await dropNode("io/input@v1", 60, 120, "input");
    await inspector().getByLabel("Name", { exact: true }).fill("flower");
    await dropNode("logic/pipeline@v1", 420, 120, "pipeline");
    await inspector().getByText("This node's ports depend on its parameters").waitFor();
    await inspector().getByLabel("Pipeline", { exact: true }).selectOption("iris-classifier");
    // An alias is the default pick: the draft follows production, a commit pins it.
    expect(await inspector().getByLabel("Version or alias").inputValue()).toBe("a:production");
    await inspector().getByText("Follows production (now v1); committing pins that version.").waitFor();
    await handle("pipeline", "in", "flower").waitFor();
    await handle("pipeline", "out", "label").waitFor();
    await handle("pipeline", "out", "top").waitFor();
    const ports = inspector().locator(".port-list");
    await ports.getByText("flower").waitFor();
    expect(await ports.textContent()).toContain("label");
    await page.getByTestId("node-pipeline").getByText("iris-classifier@production").waitFor();
    await shot("01-picked");

    await dropNode("io/output@v1", 800, 120, "output");
    await inspector().getByLabel("Name", { exact: true }).fill("label");
    await dragConnection(handle("input", "out", "value"), handle("pipeline", "in", "flower"));
    await dragConnection(handle("pipeline", "out", "label"), handle("output", "in", "value"));
    expect(await edgeCount()).toBe(2);
    await page.getByTestId("problems-errors").getByText("0 errors").waitFor();
    await waitForSaved();
    await shot("02-wired");
  });

  it("test-runs a held-out row: iris-classifier's answer, its nodes nested under the node in the timing", async () => {
    await page.getByTestId("open-run").click();
    const run = page.getByTestId("run-panel");
    await run.getByLabel("flower").fill(JSON.stringify(HELD_OUT.row));
    await run.getByTestId("run-draft").click();
    await run.getByTestId("run-status").getByText("OK").waitFor({ timeout: 30_000 });
    expect(await run.getByTestId("output-label-value").textContent()).toBe(HELD_OUT.predicted);
    const nested = run.getByTestId("wf-nested-pipeline");
    await nested.waitFor();
    for (const id of ["input", "features", "scale", "model0", "topk", "label"]) await nested.getByText(`↳ ${id}`, { exact: true }).waitFor();
    await run.getByTestId("waterfall").scrollIntoViewIfNeeded();
    await shot("03-nested-trace");
  });

  it("commits with the alias pinned to the version it points at", async () => {
    await page.getByRole("button", { name: "Commit…" }).click();
    const dialog = page.getByTestId("commit-dialog");
    await dialog.getByLabel("Version message").fill("Wraps iris-classifier@production");
    await dialog.getByRole("button", { name: "Commit version" }).click();
    await page.getByTestId("canvas-toast").getByText("Committed version 1.").waitFor();
    const v = trpcData<{ graph: { nodes: { id: string; params: Record<string, unknown> }[] } }>(await trpcQuery(page, "versions.get", { slug: SLUG, number: 1 }));
    expect(v.graph.nodes.find((n) => n.id === "pipeline")!.params).toEqual({ pipeline: "iris-classifier", alias: "production", version: 1 });
    expect(pageErrors).toEqual([]);
  });
});
