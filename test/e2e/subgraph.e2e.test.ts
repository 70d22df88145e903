/**
 * Browser end-to-end test of sub-graph editing (issue 14, item 1): from an empty canvas, add a For each
 * (list/map) node, open it (double-click and the inspector's "Edit sub-graph"), build its per-line body
 * from the palette — the OCR-style "for each text line: normalise, vectorise" — with typed ports and the
 * connection checks, go back through the breadcrumb, see the draft saved (and reloaded) with the body,
 * undo inside it, open a map inside the map, test-run and read each inner node's value per element with
 * the element picker, and meet the draft conflict check from inside a sub-graph. Runs the real server
 * (embedded PGlite in a fresh temp dir) against an existing production build (`npx next build` first).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canvasHelpers } from "./canvas-helpers.ts";
import { launchBrowser, newPage, screenshot, setupAdmin, startAppServer, trpcData, trpcMutation, trpcQuery, type TAppServer } from "./harness.ts";

const PORT = Number(process.env.E2E_SUBGRAPH_PORT ?? 3296);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "sam@example.com", name: "Sam Subgraph", password: "correct horse battery" };
const SLUG = "per-line-ocr";
const LINES = ["  Hello   World ", "ÉTÉ Line", "third LINE"];

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];

const shot = (name: string) => screenshot(page, `subgraph-${name}`, { fullPage: false });
const { inspector, node, handle, edgeCount, dropNode, dragConnection, waitForSaved, newPipelineOnEmptyCanvas } = canvasHelpers(() => page);
const breadcrumb = () => page.getByTestId("breadcrumb");
const nodeCount = () => page.locator(".react-flow__node").count();

async function select(id: string) {
  await node(id).locator(".pnode-header").click();
}

interface TDraft {
  graph: { nodes: { id: string; type: string; params: Record<string, unknown> }[]; edges: unknown[] };
  layout: { nodes: Record<string, unknown> };
  revision: number;
}
const draft = async () => trpcData<TDraft>(await trpcQuery(page, "drafts.get", { slug: SLUG }));

beforeAll(async () => {
  server = await startAppServer({ port: PORT, tmpPrefix: "inferline-e2e-subgraph-" });
  browser = await launchBrowser();
  ({ page } = await newPage(browser, BASE, { errors: pageErrors, timeout: 15_000, viewport: { width: 1680, height: 1050 } }));
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

describe("editing a For each sub-graph on the canvas", () => {
  it("starts from an empty canvas", async () => {
    await setupAdmin(page, ADMIN, { from: "/setup" });
    await newPipelineOnEmptyCanvas("Per-line OCR", SLUG);
  });

  it("adds a list input and a For each node, and opens the node into its own canvas", async () => {
    await dropNode("io/input@v1", 60, 120, "input");
    await inspector().getByLabel("Name", { exact: true }).fill("lines");
    await inspector().getByLabel("Kind", { exact: true }).selectOption("list");
    await inspector().getByLabel("Of", { exact: true }).selectOption("string");
    await node("input").getByText("list<string>").waitFor();

    await dropNode("list/map@v1", 420, 120, "map");
    await inspector().getByLabel("Label").fill("lines");
    await node("map").getByText("2 nodes inside · double-click to open").waitFor();
    await dragConnection(handle("input", "out", "value"), handle("map", "in", "items"));
    expect(await edgeCount()).toBe(1);
    await waitForSaved();

    // The inspector's button opens it; the breadcrumb says where we are.
    await select("map");
    await inspector().getByTestId("open-subgraph").click();
    await breadcrumb().getByText("map: lines").waitFor();
    expect(await breadcrumb().textContent()).toBe("Pipeline›map: lines");
    // The body it starts with: the element in and one list out, as boundary nodes.
    await node("item").getByTestId("node-item-boundary").getByText("element").waitFor();
    await node("result").getByTestId("node-result-boundary").getByText("list out").waitFor();
    expect(await nodeCount()).toBe(2);
    await page.getByTestId("subgraph-bar").getByText("Test-run the pipeline to see each element's values here.").waitFor();
    // Framed once the compiler has described its ports (60 ms later, 300 ms of animation).
    await page.waitForTimeout(500);
    await shot("01-opened");

    // The element input is fixed: Delete leaves it.
    await select("item");
    await page.keyboard.press("Delete");
    await page.waitForTimeout(200);
    expect(await node("item").count()).toBe(1);
  });

  it("builds the per-line body from the palette with typed ports and connection checks", async () => {
    await select("item");
    await inspector().getByLabel("Kind", { exact: true }).selectOption("string");
    await node("item").getByText("string", { exact: true }).waitFor();

    await dropNode("text/normalize@v1", 400, 40, "normalize");
    await inspector().getByLabel("Lowercase").check();
    await dropNode("text/hash-vectorize@v1", 300, 600, "hash-vectorize");
    await inspector().getByLabel("N features").fill("16");
    await handle("hash-vectorize", "out", "features").waitFor();
    await node("hash-vectorize").getByText("float32[batch,16]").waitFor();
    await dropNode("io/output@v1", 600, 600, "output");
    await inspector().getByLabel("Name", { exact: true }).fill("features");

    await dragConnection(handle("item", "out", "value"), handle("normalize", "in", "text"));
    // The list output now takes the normalised line instead of the raw element (an input takes one edge).
    await dragConnection(handle("normalize", "out", "text"), handle("result", "in", "value"));
    await dragConnection(handle("normalize", "out", "text"), handle("hash-vectorize", "in", "text"));
    await dragConnection(handle("hash-vectorize", "out", "features"), handle("output", "in", "value"));
    expect(await edgeCount()).toBe(4);

    // Feeding the vector back into normalize would close a loop: refused, saying why.
    await dragConnection(handle("hash-vectorize", "out", "features"), handle("normalize", "in", "text"));
    await page.getByTestId("connection-refused").getByText(/Cycle: normalize → hash-vectorize → normalize/).waitFor();
    expect(await edgeCount()).toBe(4);

    // Validation of the body: the result output is named, and there are no errors.
    await select("result");
    await inspector().getByLabel("Name", { exact: true }).fill("clean");
    await page.getByTestId("problems-errors").getByText("0 errors").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Auto-layout" }).click();
    await waitForSaved();
    await shot("02-body-built");

    // Undo covers edits inside: delete a node, undo brings it back with its edges.
    await select("hash-vectorize");
    await page.keyboard.press("Delete");
    await node("hash-vectorize").waitFor({ state: "detached" });
    expect(await edgeCount()).toBe(2);
    await page.keyboard.press("Control+z");
    await node("hash-vectorize").waitFor();
    await expect.poll(edgeCount).toBe(4);
  });

  it("opens a map inside the map and comes back through the breadcrumb", async () => {
    await dropNode("list/map@v1", 40, 620, "map");
    await node("map").dblclick();
    await breadcrumb().getByText("map: map").waitFor();
    expect(await breadcrumb().textContent()).toBe("Pipeline›map: lines›map: map");
    await node("item").waitFor();
    await shot("03-nested");
    await breadcrumb().getByRole("button", { name: "map: lines" }).click();
    await node("normalize").waitFor();
    expect(await breadcrumb().textContent()).toBe("Pipeline›map: lines");
    await select("map");
    await page.keyboard.press("Delete");
    await node("map").waitFor({ state: "detached" });
    await page.getByTestId("problems-errors").getByText("0 errors").waitFor();
  });

  it("goes back to the pipeline: the node has the body's outputs as list ports, and the draft holds the body", async () => {
    await breadcrumb().getByRole("button", { name: "Pipeline" }).click();
    await page.getByTestId("breadcrumb").waitFor({ state: "detached" });
    await handle("map", "out", "clean").waitFor();
    await node("map").getByText("list<float32[batch,16]>").waitFor();
    await node("map").getByText("5 nodes inside · double-click to open").waitFor();
    await dropNode("io/output@v1", 820, 80, "output");
    await inspector().getByLabel("Name", { exact: true }).fill("texts");
    await dropNode("io/output@v1", 820, 340, "output-2");
    await inspector().getByLabel("Name", { exact: true }).fill("vectors");
    await dragConnection(handle("map", "out", "clean"), handle("output", "in", "value"));
    await dragConnection(handle("map", "out", "features"), handle("output-2", "in", "value"));
    await page.getByTestId("problems-errors").getByText("0 errors").waitFor();
    await waitForSaved();

    const d = await draft();
    const map = d.graph.nodes.find((n) => n.id === "map")!;
    const body = map.params.graph as TDraft["graph"];
    expect(body.nodes.map((n) => n.id).sort()).toEqual(["hash-vectorize", "item", "normalize", "output", "result"]);
    expect(body.edges).toHaveLength(4);
    // Inner positions are kept in the one layout under path keys.
    expect(Object.keys(d.layout.nodes).filter((k) => k.startsWith("map/")).sort()).toEqual(["map/hash-vectorize", "map/item", "map/normalize", "map/output", "map/result"]);
    await shot("04-pipeline");

    // After a reload the body opens where it was left.
    await page.reload();
    await node("map").dblclick();
    await node("normalize").waitFor();
    // Edges are drawn once the compiler has described the ports they join.
    await expect.poll(edgeCount).toBe(4);
    await breadcrumb().getByRole("button", { name: "Pipeline" }).click();
    await handle("map", "out", "clean").waitFor();
  });

  it("test-runs the pipeline and shows each inner node's value for the chosen element", async () => {
    await page.getByTestId("open-run").click();
    const run = page.getByTestId("run-panel");
    await run.getByLabel("lines").fill(JSON.stringify(LINES));
    await run.getByTestId("run-draft").click();
    await run.getByTestId("run-status").getByText("OK").waitFor({ timeout: 30_000 });
    expect(await run.getByTestId("output-texts").locator("pre").textContent()).toBe(JSON.stringify(["hello world", "été line", "third line"], null, 2));
    await node("map").getByTestId("node-map-run").waitFor();

    await node("map").dblclick();
    const picker = page.getByTestId("element-picker");
    await picker.waitFor();
    expect(await picker.getByRole("combobox").locator("option:checked").textContent()).toBe("element 1 of 3");
    await node("normalize").getByTestId("node-normalize-run").getByText("hello world").waitFor();
    await node("item").getByTestId("node-item-run").getByText("Hello   World").waitFor();
    await node("hash-vectorize").getByTestId("node-hash-vectorize-run").getByText(/float32\[1,16\]/).waitFor();
    await shot("05-element-1");

    await picker.getByRole("combobox").selectOption({ label: "element 2 of 3" });
    await node("normalize").getByTestId("node-normalize-run").getByText("été line").waitFor();
    await picker.getByRole("button", { name: "Next element" }).click();
    await node("normalize").getByTestId("node-normalize-run").getByText("third line").waitFor();
    expect(await picker.getByRole("button", { name: "Next element" }).isDisabled()).toBe(true);
    await shot("06-element-3");
  });

  it("edits inside a sub-graph go through the draft's conflict check: nothing is overwritten silently", async () => {
    // Someone else saves the draft (another tab) while this one has the body open.
    const d = await draft();
    const theirs = await trpcMutation(page, "drafts.save", { slug: SLUG, graph: d.graph, layout: { ...d.layout, nodes: { ...d.layout.nodes, input: { x: 0, y: 400 } } }, baseRevision: d.revision });
    expect(theirs.status, theirs.body).toBe(200);
    await select("normalize");
    await page.getByRole("tab", { name: "Inspector", exact: true }).click();
    await inspector().getByLabel("Lowercase").uncheck();
    await page.getByTestId("editor-conflict").waitFor();
    expect((await draft()).revision).toBe(d.revision + 1);
    await shot("07-conflict");
    // Keeping mine overwrites knowingly, with the body edit folded into the pipeline.
    await page.getByTestId("editor-conflict").getByRole("button", { name: "Review and resolve…" }).click();
    await page.getByTestId("conflict-dialog").getByRole("button", { name: "Overwrite with mine" }).click();
    await waitForSaved();
    const saved = await draft();
    const body = saved.graph.nodes.find((n) => n.id === "map")!.params.graph as TDraft["graph"];
    expect(body.nodes.find((n) => n.id === "normalize")!.params.lowercase).toBe(false);
  });

  it("raised no uncaught errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
