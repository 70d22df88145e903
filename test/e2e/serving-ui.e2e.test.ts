/**
 * Browser end-to-end test of the serving UI: install the examples from the models page, create an API key
 * (shown once), copy the curl snippet from the iris docs page and run it for real, use "Try it", revoke
 * the key (the same curl gets 401), rotate a key with an overlap, and upload models (a refused one and a
 * good one with its progress bar). Runs the real server on a fresh embedded PGlite database against an
 * existing production build (`npx next build` first).
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newPage, ROOT, screenshot, setupAdmin, startAppServer, type TAppServer } from "./harness.ts";

const run = promisify(execFile);
const PORT = Number(process.env.E2E_SERVING_PORT ?? 3240);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "grace@example.com", name: "Grace Hopper", password: "correct horse battery" };
const IRIS = "iris-classifier";
const IRIS_MODEL = path.join(ROOT, "prisma/seed/models/iris-logreg.onnx");

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];
/** Console errors, e.g. a renderer failing inside a promise (not an uncaught page error). */
const consoleErrors: string[] = [];
/** Requests to anything but this server: the docs renderer must not reach for a CDN. */
const offMachine: string[] = [];

/** The key read from the "shown once" dialog, and the curl snippet copied from the docs page. */
let apiKey = "";
let curlText = "";

const shot = (name: string, opts?: { fullPage?: boolean }) => screenshot(page, `serving-${name}`, opts);

/** Runs a copied snippet the way a user would: in bash, with the key exported, never inlined. */
async function runCurl(text: string, key: string): Promise<Record<string, unknown>> {
  const { stdout } = await run("bash", ["-c", text], { env: { ...process.env, INFERLINE_API_KEY: key }, timeout: 30_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const nav = (name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });

beforeAll(async () => {
  server = await startAppServer({ port: PORT, tmpPrefix: "inferline-e2e-serving-", env: { INFERENCE_WORKERS: "1" } });
  browser = await launchBrowser();
  // The copy buttons are exercised for real: the test reads back what they put on the clipboard.
  ({ page } = await newPage(browser, BASE, { errors: pageErrors, permissions: ["clipboard-read", "clipboard-write"] }));
  page.on("console", (m) => {
    // 401s and 4xx answers the test provokes on purpose are logged by the browser as failed loads.
    if (m.type() === "error" && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on("request", (r) => {
    const u = new URL(r.url());
    if ((u.protocol === "http:" || u.protocol === "https:") && u.host !== `127.0.0.1:${PORT}`) offMachine.push(r.url());
  });
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

describe("Serving UI in a browser", () => {
  it("sets up the admin and installs the examples from the empty models page", async () => {
    await setupAdmin(page, ADMIN);

    await nav("Models").click();
    await page.waitForURL(/\/models$/);
    await page.getByText("No models yet").waitFor();
    await shot("01-models-empty");

    await page.getByTestId("install-examples").click();
    await page.getByTestId("examples-installed").waitFor({ timeout: 120_000 });
    const iris = page.getByTestId("model-row-iris-logreg");
    await iris.waitFor();
    // The tabular examples' three models, plus the image/audio examples' models (OCR, VAD).
    for (const name of ["iris-logreg", "penguins-logreg", "penguins-mlp"]) await page.getByTestId(`model-row-${name}`).waitFor();
    expect(await page.getByTestId("models-table").locator("tbody tr").count()).toBeGreaterThanOrEqual(3);
    const row = await iris.textContent();
    expect(row).toContain("float32");
    expect(row).toMatch(/probabilities/);
    await shot("02-models");

    await iris.getByRole("link", { name: "iris-logreg" }).click();
    await page.waitForURL(/\/models\/iris-logreg$/);
    const v1 = page.getByTestId("model-version-1");
    await v1.waitFor();
    expect(await v1.textContent()).toContain("setosa");
    expect(await v1.textContent()).toMatch(/[0-9a-f]{64}/);
    await shot("03-model-detail");
  });

  it("creates an API key and shows it once, with a copy button", async () => {
    await nav("API keys").click();
    await page.waitForURL(/\/api-keys$/);
    await page.getByText("No API keys yet").waitFor();
    await page.getByRole("button", { name: "Create your first key" }).click();
    const form = page.getByTestId("create-api-key-dialog");
    await form.getByRole("button", { name: "Create key" }).click();
    await form.getByText("Name the key").waitFor();

    await form.getByLabel("Name").fill("e2e curl");
    await form.getByLabel("Expires").selectOption("30");
    expect(await form.getByText("Name the key").count()).toBe(0);
    await shot("04-create-key-form", { fullPage: false });
    await form.getByRole("button", { name: "Create key" }).click();
    await form.waitFor({ state: "detached" });

    const dialog = page.getByTestId("new-key-dialog");
    await dialog.waitFor();
    await dialog.getByText("You won't see this key again").waitFor();
    apiKey = await dialog.getByTestId("new-api-key").inputValue();
    expect(apiKey).toMatch(/^il_[A-Za-z0-9]+_[A-Za-z0-9_-]+$/);
    await dialog.getByTestId("copy-new-key").click();
    await dialog.getByText("Copied").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(apiKey);
    await shot("05-key-created", { fullPage: false });
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });

    const prefix = apiKey.split("_")[1]!;
    const row = page.getByTestId(`api-key-row-${prefix}`);
    await row.waitFor();
    expect(await row.textContent()).toContain(`il_${prefix}_…`);
    expect(await row.textContent()).toContain("All pipelines");
    expect(await row.getByTestId("api-key-status").textContent()).toBe("Active");
    // The list never shows the secret again.
    expect(await page.content()).not.toContain(apiKey);
    await shot("06-api-keys");
  });

  it("copies the curl snippet from the iris docs page and gets a prediction by running it", async () => {
    await nav("Pipelines").click();
    await page.getByTestId(`pipeline-row-${IRIS}`).getByRole("link", { name: "API", exact: true }).waitFor();
    await shot("07-pipelines-api-links");
    await page.getByTestId(`pipeline-row-${IRIS}`).getByRole("link", { name: "API", exact: true }).click();
    await page.waitForURL(new RegExp(`/docs/${IRIS}$`));
    await page.getByRole("heading", { name: "Iris classifier API" }).waitFor();
    expect(await page.getByTestId("endpoint-url").textContent()).toBe(`${BASE}/api/v1/pipelines/${IRIS}/invoke`);
    expect(await page.getByTestId("docs-sample").locator("option:checked").textContent()).toBe("Sample: held-out 1");
    // The reference renders the operation, and expanded, its request body schema (see openapi-reference.tsx).
    const reference = page.getByTestId("openapi-reference");
    await reference.locator(".opblock-summary").first().click();
    await reference.locator(".opblock-section-request-body").first().waitFor();
    expect(await reference.textContent()).toContain("flower");

    const pre = page.getByTestId("snippet-curl");
    await page.getByTestId("copy-snippet-curl").click();
    curlText = await page.evaluate(() => navigator.clipboard.readText());
    expect(curlText).toBe(await pre.textContent());
    expect(curlText).toContain(`${BASE}/api/v1/pipelines/${IRIS}/invoke`);
    expect(curlText).toContain("$INFERLINE_API_KEY");
    expect(curlText).toContain('"flower"');
    expect(curlText).not.toContain(apiKey);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("08-docs-top", { fullPage: false });
    await shot("08-docs");

    const card = JSON.parse(await readFile(path.join(ROOT, "prisma/seed/models/iris-logreg.json"), "utf8")) as { heldOut: { predicted: string[] } };
    const result = await runCurl(curlText, apiKey);
    expect(result).toMatchObject({ pipeline: IRIS, version: 1 });
    expect((result.outputs as { label: string }).label).toBe(card.heldOut.predicted[0]);

    // The JavaScript and Python snippets run too: Node (ESM, top-level await) always, Python when requests is installed.
    const env = { ...process.env, INFERLINE_API_KEY: apiKey };
    await page.getByRole("tab", { name: "JavaScript" }).click();
    const js = (await page.getByTestId("snippet-javascript").textContent()) ?? "";
    expect(js).toContain(`${BASE}/api/v1/pipelines/${IRIS}/invoke`);
    expect(js).toContain("process.env.INFERLINE_API_KEY");
    const jsFile = path.join(server!.dataDir, "snippet.mjs");
    await writeFile(jsFile, js);
    expect((await run(process.execPath, [jsFile], { env, timeout: 30_000 })).stdout).toContain(`label: '${card.heldOut.predicted[0]}'`);

    await page.getByRole("tab", { name: "Python" }).click();
    const py = (await page.getByTestId("snippet-python").textContent()) ?? "";
    expect(py).toContain(`${BASE}/api/v1/pipelines/${IRIS}/invoke`);
    expect(py).toContain("os.environ['INFERLINE_API_KEY']");
    const hasRequests = await run("python3", ["-c", "import requests"]).then(
      () => true,
      () => false,
    );
    if (hasRequests) expect((await run("python3", ["-c", py], { env, timeout: 30_000 })).stdout).toContain(`'label': '${card.heldOut.predicted[0]}'`);
    else console.warn("python3 with requests not found: the Python snippet was checked but not run");
    await page.getByTestId("snippet-python").scrollIntoViewIfNeeded();
    await shot("09-docs-python", { fullPage: false });
  });

  it("tries the endpoint from the page: a prediction, then a problem+json error", async () => {
    const tryIt = page.getByTestId("try-it");
    await tryIt.getByLabel("API key").fill(apiKey);
    await tryIt.getByRole("button", { name: "Send request" }).click();
    await tryIt.getByTestId("try-status").getByText("200").waitFor();
    const body = JSON.parse((await tryIt.getByTestId("try-response-body").textContent()) ?? "{}") as { outputs: { label: string } };
    expect(body.outputs.label).toBe("setosa");
    // The key went in a header: never in the URL, never into local storage.
    expect(page.url()).not.toContain(apiKey);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(apiKey);
    await tryIt.scrollIntoViewIfNeeded();
    await shot("10-try-it", { fullPage: false });

    await tryIt.getByLabel("Request body (JSON)").fill('{ "flower": { "sepal_length_cm": 5 } }');
    await tryIt.getByRole("button", { name: "Send request" }).click();
    const problem = tryIt.getByTestId("try-problem");
    await problem.waitFor();
    expect(await tryIt.getByTestId("try-status").textContent()).toMatch(/^4\d\d/);
    expect(await problem.textContent()).toMatch(/NODE_FAILED|INVALID_INPUT/);
    await tryIt.getByTestId("try-response-body").scrollIntoViewIfNeeded();
    await shot("11-try-it-problem", { fullPage: false });

    await tryIt.getByLabel("Request body (JSON)").fill("{ not json");
    await tryIt.getByRole("button", { name: "Send request" }).click();
    await tryIt.getByText("Not valid JSON").waitFor();
  });

  it("revokes the key after confirming; the same curl then gets 401", async () => {
    await nav("API keys").click();
    const prefix = apiKey.split("_")[1]!;
    const row = page.getByTestId(`api-key-row-${prefix}`);
    await row.getByRole("button", { name: /^Revoke e2e curl/ }).click();
    const dialog = page.getByTestId("revoke-key-dialog");
    await dialog.getByText("Every call with this key is refused").waitFor();
    await shot("12-revoke-confirm", { fullPage: false });
    await dialog.getByTestId("confirm-revoke").click();
    await dialog.waitFor({ state: "detached" });
    await row.getByTestId("api-key-status").getByText("Revoked").waitFor();
    expect(await row.getByRole("button", { name: /^Rotate/ }).count()).toBe(0);

    const refused = await runCurl(curlText, apiKey);
    expect(refused).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
    expect(String(refused.detail)).toContain("revoked");
  });

  it("rotates a key with an overlap: the new key is shown once and both work meanwhile", async () => {
    await page.getByRole("button", { name: "Create API key" }).click();
    const form = page.getByTestId("create-api-key-dialog");
    await form.getByLabel("Name").fill("rotating client");
    await form.getByLabel("Only these pipelines").check();
    await form.getByLabel(/Iris classifier/).check();
    await form.getByLabel("Rate limit").fill("600");
    await form.getByRole("button", { name: "Create key" }).click();
    const created = page.getByTestId("new-key-dialog");
    const oldKey = await created.getByTestId("new-api-key").inputValue();
    // Closing before copying asks first.
    await created.getByRole("button", { name: "I've stored it, close" }).click();
    await created.getByText("Close without copying the key?").waitFor();
    await created.getByRole("button", { name: "Close anyway" }).click();
    await created.waitFor({ state: "detached" });

    const oldRow = page.getByTestId(`api-key-row-${oldKey.split("_")[1]}`);
    expect(await oldRow.textContent()).toContain(IRIS);
    expect(await oldRow.textContent()).toContain("600 requests/min");
    await oldRow.getByRole("button", { name: /^Rotate rotating client/ }).click();
    const rotate = page.getByTestId("rotate-key-dialog");
    await rotate.getByLabel("15 minutes").check();
    await shot("13-rotate", { fullPage: false });
    await rotate.getByTestId("confirm-rotate").click();
    const revealed = page.getByTestId("new-key-dialog");
    await revealed.getByText("Copy the rotated key").waitFor();
    const newKey = await revealed.getByTestId("new-api-key").inputValue();
    expect(newKey).not.toBe(oldKey);
    expect(await revealed.getByTestId("rotation-overlap").textContent()).toContain("keeps working until");
    await revealed.getByTestId("copy-new-key").click();
    await revealed.getByRole("button", { name: "Done" }).click();

    for (const k of [oldKey, newKey]) expect(((await runCurl(curlText, k)).outputs as { label: string }).label).toBe("setosa");
    await oldRow.getByTestId("api-key-status").getByText("Expiring").waitFor();
    const newRow = page.getByTestId(`api-key-row-${newKey.split("_")[1]}`);
    expect(await newRow.textContent()).toContain(`rotated from il_${oldKey.split("_")[1]}_…`);
    await shot("14-keys-rotated");
  });

  it("refuses a garbage .onnx with MODEL_INVALID, then uploads the iris model under a new name to 100%", async () => {
    await nav("Models").click();
    await page.getByRole("button", { name: "Upload model" }).click();
    const dialog = page.getByTestId("upload-model-dialog");
    await dialog.getByLabel("ONNX file").setInputFiles({ name: "Not A Model.onnx", mimeType: "application/octet-stream", buffer: Buffer.from("definitely not protobuf\n".repeat(40)) });
    expect(await dialog.getByLabel("Name").inputValue()).toBe("not-a-model");
    await dialog.getByRole("button", { name: "Upload", exact: true }).click();
    const error = dialog.getByTestId("upload-error");
    await error.waitFor();
    expect(await dialog.getByTestId("upload-error-code").textContent()).toContain("MODEL_INVALID");
    expect(await error.textContent()).toContain("onnx.checker");
    await shot("15-upload-invalid", { fullPage: false });

    await dialog.getByLabel("ONNX file").setInputFiles(IRIS_MODEL);
    await dialog.getByLabel("Name").fill("iris-copy");
    await dialog.getByLabel("Description").fill("A second copy of the iris model, uploaded from the browser.");
    await dialog.getByRole("button", { name: "Upload", exact: true }).click();
    await dialog.getByTestId("upload-success").waitFor();
    expect(await dialog.getByRole("progressbar", { name: "Upload progress" }).getAttribute("aria-valuenow")).toBe("100");
    expect(await dialog.getByTestId("upload-success").textContent()).toContain("iris-copy v1 is ready");
    await shot("16-upload-done", { fullPage: false });
    await dialog.getByRole("button", { name: "Done" }).click();
    await page.getByTestId("model-row-iris-copy").waitFor();
  });

  it("shows MODEL_IN_USE when deleting a model a published pipeline uses, and deletes an unused one", async () => {
    await page.getByTestId("model-row-iris-logreg").getByRole("button", { name: "Delete iris-logreg" }).click();
    const dialog = page.getByTestId("delete-model-dialog");
    await dialog.getByTestId("confirm-delete-model").click();
    const inUse = dialog.getByTestId("model-in-use");
    await inUse.waitFor();
    expect(await inUse.textContent()).toContain(`${IRIS} v1`);
    await dialog.getByRole("link", { name: IRIS }).waitFor();
    await shot("17-model-in-use", { fullPage: false });
    await dialog.getByRole("button", { name: "Close", exact: true }).last().click();
    await dialog.waitFor({ state: "detached" });

    await page.getByTestId("model-row-iris-copy").getByRole("button", { name: "Delete iris-copy" }).click();
    await page.getByTestId("delete-model-dialog").getByTestId("confirm-delete-model").click();
    await page.getByTestId("model-row-iris-copy").waitFor({ state: "detached" });
    await shot("18-models-after");
  });

  it("lists the pipeline APIs from the nav", async () => {
    await nav("API docs").click();
    await page.waitForURL(/\/docs$/);
    await page.getByTestId(`docs-row-${IRIS}`).waitFor();
    expect(await page.getByTestId("docs-table").textContent()).toContain("POST /api/v1/pipelines/penguins-ensemble/invoke");
    await shot("19-docs-index");
  });

  it("raised no uncaught errors and requested nothing off this machine", () => {
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(offMachine).toEqual([]);
  });
});
