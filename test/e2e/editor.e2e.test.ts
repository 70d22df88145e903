/**
 * Browser end-to-end test of the canvas editor (issue 5): build the iris pipeline from an empty canvas
 * by drag and drop, connect ports by dragging, configure params in the inspector, see connections the
 * compiler would refuse being refused, test-run a held-out row, commit, change, commit again, diff the two
 * versions and restore one. Runs the real server (embedded PGlite in a fresh temp dir) against an existing
 * production build (`npx next build` first).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canvasHelpers } from "./canvas-helpers.ts";
import { launchBrowser, newPage, ROOT, screenshot, setupAdmin, startAppServer, trpcMutation, type TAppServer } from "./harness.ts";

const PORT = Number(process.env.E2E_EDITOR_PORT ?? 3230);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "erin@example.com", name: "Erin Editor", password: "correct horse battery" };
const SLUG = "iris-from-scratch";

interface TCard {
  features: string[];
  labels: string[];
  scaler: { mean: number[]; std: number[] };
  heldOut: { rows: Record<string, number>[]; predicted: string[] };
}
const CARD = JSON.parse(readFileSync(path.join(ROOT, "prisma/seed/models/iris-logreg.json"), "utf8")) as TCard;
/** A held-out row the training script predicted as something other than the first class. */
const HELD_OUT = (() => {
  const i = CARD.heldOut.predicted.findIndex((p) => p === "virginica");
  return { row: CARD.heldOut.rows[i]!, predicted: CARD.heldOut.predicted[i]! };
})();

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];

/** Shots of the viewport (the editor is laid out to it), not of the full page. */
const shot = (name: string) => screenshot(page, `editor-${name}`, { fullPage: false });

const { canvas, inspector, node, handle, edgeCount, dropNode, centre, dragConnection, waitForSaved, newPipelineOnEmptyCanvas } = canvasHelpers(() => page);

/** A dropped node's top-left corner sits at the drop point (the node is placed 20 flow px up and left of it). */
async function expectNear(l: Locator, point: { x: number; y: number }) {
  const b = await l.boundingBox();
  if (!b) throw new Error("element has no box");
  expect(Math.abs(b.x - point.x), `x ${b.x} vs dropped at ${point.x}`).toBeLessThanOrEqual(24);
  expect(Math.abs(b.y - point.y), `y ${b.y} vs dropped at ${point.y}`).toBeLessThanOrEqual(24);
}

async function openSide(name: "Inspector" | "Test run" | "Versions" | "Changes") {
  await page.getByRole("tab", { name, exact: true }).click();
}

beforeAll(async () => {
  server = await startAppServer({ port: PORT, tmpPrefix: "inferline-e2e-editor-" });
  browser = await launchBrowser();
  ({ page } = await newPage(browser, BASE, { errors: pageErrors, timeout: 15_000, viewport: { width: 1680, height: 1050 }, context: { acceptDownloads: true } }));
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

describe("the canvas editor in a browser", () => {
  it("sets up an admin, installs the example models and creates an empty pipeline", async () => {
    await setupAdmin(page, ADMIN, { from: "/setup" });

    // The example models (iris-logreg v1 with its labels) through the same tRPC call the Models page makes.
    const installed = await trpcMutation(page, "examples.install", {});
    expect(installed.status, installed.body).toBe(200);

    await newPipelineOnEmptyCanvas("Iris from scratch", SLUG);
    await shot("01-empty-canvas");
  });

  it("opens an empty canvas and drops the first node where the pointer is", async () => {
    // The compiler's first answer is held back until after the drop (a slow server), and a fit is asked for
    // while there is nothing to fit: neither may move the first node away from the pointer once it lands.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const isValidate = (url: URL) => url.pathname.startsWith("/api/trpc/") && url.pathname.includes("pipelines.validate");
    await page.route(isValidate, async (route) => {
      await held;
      await route.continue();
    });
    try {
      await page.reload();
      await page.getByText("An empty canvas").waitFor();
      await page.getByRole("button", { name: "Fit view", exact: true }).click();
      await page.getByRole("button", { name: "Fit View", exact: true }).click();

      const box = await canvas().boundingBox();
      if (!box) throw new Error("the canvas has no box");
      const dropped = { x: box.x + 60, y: box.y + 60 };
      await dropNode("io/input@v1", 60, 60, "input");
      await expectNear(node("input"), dropped);

      release();
      await page.getByTestId("problems-panel").getByText("checking…").waitFor({ state: "detached" });
      // A fit would start 60 ms after the answer and animate for 300 ms.
      await page.waitForTimeout(600);
      await expectNear(node("input"), dropped);
    } finally {
      release();
      await page.unrouteAll({ behavior: "wait" });
    }
  });

  it("builds the iris pipeline by dragging nodes from the palette and configuring them", async () => {
    await inspector().getByLabel("Name", { exact: true }).fill("flower");
    await inspector().getByLabel("Description").fill("Sepal and petal measurements in cm");

    await dropNode("tabular/features@v1", 400, 60, "features");
    // Ports that depend on params appear once the params are valid.
    await node("features").getByText("Set its parameters to see its ports").waitFor();
    await inspector().getByLabel("Fields").fill(CARD.features.join("\n"));
    await handle("features", "out", "features").waitFor();

    await dropNode("tabular/standard-scale@v1", 740, 60, "standard-scale");
    // Inline validation: a letter in a number list is refused at once.
    await inspector().getByLabel("Mean").fill("1, x");
    await inspector().getByText("'x' is not a number.").waitFor();
    await inspector().getByLabel("Mean").fill(CARD.scaler.mean.join(", "));
    await inspector().getByLabel("Std").fill(CARD.scaler.std.join(", "));

    await dropNode("model/onnx@v1", 60, 400, "onnx");
    await inspector().getByLabel("Model", { exact: true }).selectOption("iris-logreg");
    const signature = inspector().getByTestId("model-signature");
    await signature.getByText("float32[batch,4]").waitFor();
    await signature.getByText("float32[batch,3]").waitFor();
    await handle("onnx", "in", "features").waitFor();

    await dropNode("post/top-k@v1", 400, 400, "top-k");
    await inspector().getByLabel("K", { exact: true }).fill("3");
    await inspector().getByRole("button", { name: "Use the 3 labels of iris-logreg v1" }).click();
    expect(await inspector().getByLabel("Labels").inputValue()).toBe(CARD.labels.join("\n"));

    await dropNode("io/output@v1", 740, 400, "output");
    await inspector().getByLabel("Name", { exact: true }).fill("label");
    expect(await page.locator(".react-flow__node").count()).toBe(6);
  });

  it("connects ports by dragging and refuses what the compiler would refuse, saying why", async () => {
    await dragConnection(handle("input", "out", "value"), handle("features", "in", "record"));
    await dragConnection(handle("features", "out", "features"), handle("standard-scale", "in", "x"));
    expect(await edgeCount()).toBe(2);

    // A JSON record straight into the model: the kind does not fit its float32 tensor input.
    await dragConnection(handle("input", "out", "value"), handle("onnx", "in", "features"), async () => {
      await page.getByTestId("connection-hint").waitFor();
      expect(await page.getByTestId("connection-hint").textContent()).toContain("Kind mismatch: json does not fit float32[batch,4]");
      await shot("03-refusal-while-dragging");
    });
    const refused = page.getByTestId("connection-refused");
    await refused.waitFor();
    expect(await refused.textContent()).toContain("Kind mismatch: json does not fit float32[batch,4]");
    expect(await edgeCount()).toBe(2);

    await dragConnection(handle("standard-scale", "out", "y"), handle("onnx", "in", "features"));
    await dragConnection(handle("onnx", "out", "probabilities"), handle("top-k", "in", "scores"));
    await dragConnection(handle("top-k", "out", "label"), handle("output", "in", "value"));
    expect(await edgeCount()).toBe(5);

    // Feeding the top-k back into the features would close a loop.
    await dragConnection(handle("top-k", "out", "top"), handle("features", "in", "record"));
    await page.getByTestId("connection-refused").getByText(/Cycle: features → standard-scale → onnx → top-k → features/).waitFor();
    expect(await edgeCount()).toBe(5);

    await page.getByTestId("problems-errors").getByText("0 errors").waitFor();
    await waitForSaved();
    await page.keyboard.press("Escape");
    await shot("02-built");
  });

  it("test-runs a held-out row and shows the label, per-node status and timings", async () => {
    await page.getByTestId("open-run").click();
    const run = page.getByTestId("run-panel");
    await run.getByLabel("flower").fill(JSON.stringify(HELD_OUT.row));
    await run.getByTestId("run-draft").click();
    await run.getByTestId("run-status").getByText("OK").waitFor({ timeout: 30_000 });
    expect(await run.getByTestId("output-label-value").textContent()).toBe(HELD_OUT.predicted);
    await run.getByTestId("waterfall").waitFor();
    for (const id of ["input", "features", "standard-scale", "onnx", "top-k", "output"]) await node(id).getByTestId(`node-${id}-run`).waitFor();
    expect(await node("onnx").getByTestId("node-onnx-run").textContent()).toContain("float32[1,3]");
    await shot("04-run-result");

    // Saved as a sample, it re-runs with one click.
    await run.getByLabel("Sample name").fill("held-out virginica");
    await run.getByRole("button", { name: "Save inputs as sample" }).click();
    const sample = run.getByTestId("sample-held-out virginica");
    await sample.waitFor();
    await run.getByRole("button", { name: "Clear results" }).click();
    await sample.getByRole("button", { name: "▶ Run" }).click();
    await run.getByTestId("output-label-value").getByText(HELD_OUT.predicted).waitFor({ timeout: 30_000 });
  });

  it("commits, changes a param (and moves a node), commits again and diffs the two versions", async () => {
    await page.getByRole("button", { name: "Commit…" }).click();
    const dialog = page.getByTestId("commit-dialog");
    await dialog.getByLabel("Version message").fill("Iris classifier from scratch");
    await dialog.getByRole("button", { name: "Commit version" }).click();
    await page.getByTestId("canvas-toast").getByText("Committed version 1.").waitFor();

    // Moving a node is not a change; k is.
    const out = await centre(node("output").locator(".pnode-header"));
    await page.mouse.move(out.x, out.y);
    await page.mouse.down();
    await page.mouse.move(out.x + 40, out.y + 60, { steps: 5 });
    await page.mouse.up();
    await node("top-k").locator(".pnode-header").click();
    await openSide("Inspector");
    await inspector().getByLabel("K", { exact: true }).fill("2");
    await waitForSaved();
    await page.getByRole("button", { name: "Commit…" }).click();
    await dialog.getByLabel("Version message").fill("Only the top two");
    await dialog.getByRole("button", { name: "Commit version" }).click();
    await page.getByTestId("canvas-toast").getByText("Committed version 2.").waitFor();

    await openSide("Versions");
    await page.getByTestId("vitem-2").waitFor();
    await page.getByRole("button", { name: "Compare version 1 with the draft" }).click();
    const diffPanel = page.getByTestId("diff-panel");
    await diffPanel.getByLabel("To", { exact: true }).selectOption("2");
    const changed = diffPanel.getByTestId("diff-changed-top-k");
    await changed.waitFor();
    expect(await changed.textContent()).toContain("k32");
    expect(await diffPanel.getByTestId("diff-list").locator(".diff-item").count()).toBe(1);
    await page.getByTestId("diff-view").locator(".pnode-diff-changed").waitFor();
    await page.getByTestId("diff-view").getByTestId("handle-onnx-in-features").waitFor();
    await shot("05-diff");
  });

  it("opens a version read-only and restores it into the draft", async () => {
    await openSide("Versions");
    await page.getByRole("button", { name: "Open version 1" }).click();
    const view = page.getByTestId("version-view");
    await view.getByText("read-only").waitFor();
    await view.getByTestId("node-top-k").getByText("k = 3 · 3 labels").waitFor();
    await view.getByTestId("handle-onnx-in-features").waitFor();
    await shot("06-version-view");

    await view.getByRole("button", { name: "Restore into draft…" }).click();
    await page.getByTestId("restore-dialog").getByTestId("confirm-restore").click();
    await page.getByTestId("restore-dialog").waitFor({ state: "detached" });
    await node("top-k").getByText("k = 3 · 3 labels").waitFor();
    await waitForSaved();

    await openSide("Changes");
    const diffPanel = page.getByTestId("diff-panel");
    await diffPanel.getByLabel("From", { exact: true }).selectOption("1");
    await diffPanel.getByLabel("To", { exact: true }).selectOption("draft");
    await diffPanel.getByTestId("diff-empty").waitFor();
    await page.getByRole("button", { name: "Back to the draft" }).click();
    await shot("07-restored");
  });

  it("raised no uncaught errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
