/**
 * Browser end-to-end test of pipeline assets (issue 14): on a pipeline whose draft has a Tokenize node without a
 * file, upload a vocab.txt on the Assets tab (progress shown, problem refusals shown), pick it in the node's
 * inspector and run the draft with it; replace the file on the Assets tab (new hash, the node still on the earlier
 * file until "Use the latest file"), see deleting a name the draft uses refused; upload a tokenizer.json from the
 * node's picker, commit, and see deleting a name a committed version uses refused while an unused one goes. The
 * route answers problem+json over the wire (bad name, cross-origin, no session). Runs the real server on a fresh
 * embedded PGlite database against an existing production build (`npx next build` first).
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newPage, ROOT, screenshot, setupAdmin, startAppServer, trpcData, trpcMutation, trpcQuery, type TAppServer } from "./harness.ts";

const PORT = Number(process.env.E2E_ASSETS_PORT ?? 3280);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "tess@example.com", name: "Tess Tokenizer", password: "correct horse battery" };
const SLUG = "bert-ids";
const TOKENIZER_JSON = "tiny-bpe.tokenizer.json";
/** expect.poll gives up after 1 s by default: uploads, refetches and autosaves (700 ms) can take longer. */
const POLL = { timeout: 15_000 };

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];
const files = { vocab: "", vocabV2: "", tokenizerJson: "", labels: "" };
let v1: Buffer;
let v2: Buffer;

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const shot = (name: string) => screenshot(page, `assets-${name}`);
const panel = () => page.getByTestId("assets-panel");
const row = (name: string) => page.locator(`[data-testid="asset-row"][data-name="${name}"]`);
const picker = () => page.getByTestId("inspector").getByTestId("asset-picker");

/** input → tokenize (no file chosen yet) → output, laid out left to right. */
const DRAFT = {
  graph: {
    schemaVersion: 1,
    nodes: [
      { id: "in", type: "io/input@v1", params: { name: "text", kind: { kind: "string" } } },
      { id: "tok", type: "text/tokenize@v1", params: { maxLength: 8 } },
      { id: "out", type: "io/output@v1", params: { name: "ids" } },
    ],
    edges: [
      { id: "e1", source: { node: "in", port: "value" }, target: { node: "tok", port: "text" } },
      { id: "e2", source: { node: "tok", port: "input_ids" }, target: { node: "out", port: "value" } },
    ],
  },
  layout: { nodes: { in: { x: 0, y: 0 }, tok: { x: 320, y: 0 }, out: { x: 640, y: 0 } } },
};

interface TDraft {
  revision: number;
  graph: { nodes: { id: string; params: Record<string, unknown> }[] };
}

async function draft(): Promise<TDraft> {
  return trpcData<TDraft>(await trpcQuery(page, "drafts.get", { slug: SLUG }));
}

/** The file the saved draft's tokenizer node points at (autosave runs 700 ms after the last change). */
async function savedTokenizer(): Promise<unknown> {
  return (await draft()).graph.nodes.find((n) => n.id === "tok")?.params.tokenizer;
}

async function runDraft(text: string) {
  const res = await trpcMutation(page, "runs.test", { slug: SLUG, target: "draft", inputs: { text } });
  expect(res.status, res.body).toBe(200);
  return trpcData<{ status: string; outputs?: { ids?: { dtype: string; shape: number[]; data: number[] } } }>(res);
}

async function openTab(name: "Editor" | "Assets") {
  await page.getByTestId(`${name.toLowerCase()}-tab`).click();
  await (name === "Editor" ? page.getByTestId("editor") : panel()).waitFor();
}

async function selectTokenizerNode() {
  await page.getByTestId("node-tok").locator(".pnode-header").click();
  await page.getByRole("tab", { name: /^Inspector/ }).click();
  await picker().waitFor();
}

async function sessionCookie(): Promise<string> {
  return (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
}

beforeAll(async () => {
  server = await startAppServer({ port: PORT, tmpPrefix: "inferline-e2e-assets-" });
  v1 = await readFile(path.join(ROOT, "test/fixtures/text/bert-test-vocab.txt"));
  // "want" moves to the end of the file: its id changes from 4 to 12.
  v2 = Buffer.from(v1.toString("utf8").replace("want\n", "") + "want\n");
  files.vocab = path.join(server.dataDir, "vocab.txt");
  files.vocabV2 = path.join(server.dataDir, "vocab-v2.txt");
  files.tokenizerJson = path.join(server.dataDir, TOKENIZER_JSON);
  files.labels = path.join(server.dataDir, "labels.txt");
  await writeFile(files.vocab, v1);
  await writeFile(files.vocabV2, v2);
  await writeFile(files.tokenizerJson, await readFile(path.join(ROOT, "test/fixtures/text", TOKENIZER_JSON)));
  await writeFile(files.labels, "cat\ndog\n");
  browser = await launchBrowser();
  ({ page } = await newPage(browser, BASE, { errors: pageErrors, viewport: { width: 1440, height: 900 } }));
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

describe("Pipeline assets in a browser", () => {
  it("uploads a vocabulary on the Assets tab with progress, and shows refusals", async () => {
    await setupAdmin(page, ADMIN);
    const created = await trpcMutation(page, "pipelines.create", { slug: SLUG, name: "BERT ids" });
    expect(created.status, created.body).toBe(200);
    const saved = await trpcMutation(page, "drafts.save", { slug: SLUG, ...DRAFT, baseRevision: (await draft()).revision });
    expect(saved.status, saved.body).toBe(200);

    await page.goto(`/pipelines/${SLUG}`);
    await openTab("Assets");
    await panel().getByText("No assets yet").waitFor();

    // A local upload is over in milliseconds: a MutationObserver records the progress bar however briefly it shows.
    await page.evaluate(() => {
      const w = window as unknown as { sawProgress: string[] };
      w.sawProgress = [];
      new MutationObserver(() => {
        const bar = document.querySelector('[data-testid="assets-panel"] [role="progressbar"]');
        const text = document.querySelector('[data-testid="asset-uploading"] p')?.textContent;
        if (bar) w.sawProgress.push(`${text ?? ""} ${bar.getAttribute("aria-valuenow")}%`);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await page.getByTestId("asset-upload").setInputFiles(files.vocab);
    await row("vocab.txt").waitFor();
    const seen = await page.evaluate(() => (window as unknown as { sawProgress: string[] }).sawProgress);
    expect(seen.length, "the progress bar never showed").toBeGreaterThan(0);
    expect(seen[0]).toMatch(/^Uploading vocab\.txt… \d+%$/);
    expect(await row("vocab.txt").getAttribute("data-sha256")).toBe(sha256(v1));
    await page.getByTestId("asset-upload-done").getByText("Uploaded vocab.txt").waitFor();
    expect(await row("vocab.txt").getByTestId("asset-used-by").textContent()).toBe("Unused");
    await shot("01-uploaded");

    // The server's problem+json detail is shown; a file over the limit is refused before it is sent.
    await page.getByTestId("asset-upload").setInputFiles({ name: "empty.txt", mimeType: "text/plain", buffer: Buffer.alloc(0) });
    await page.getByTestId("asset-upload-error").getByText("The file is empty.").waitFor();
    await page.getByTestId("asset-upload").setInputFiles({ name: "big.txt", mimeType: "text/plain", buffer: Buffer.alloc(16 * 1024 * 1024 + 1, 97) });
    await page.getByTestId("asset-upload-error").getByText(/larger than the 16 MiB/).waitFor();
    expect(await page.getByTestId("asset-row").count()).toBe(1);
  });

  it("answers problem+json over the wire: a path as the name, a cross-origin request, no session", async () => {
    const cookie = await sessionCookie();
    const post = (query: string, headers: Record<string, string> = {}) =>
      fetch(`${BASE}/api/assets${query}`, { method: "POST", headers: { "content-type": "application/octet-stream", cookie, ...headers }, body: "x" });
    const bad = await post(`?slug=${SLUG}&name=${encodeURIComponent("../etc/passwd")}`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
    expect(await bad.json()).toMatchObject({ code: "INVALID_INPUT", details: { field: "name" } });
    const csrf = await post(`?slug=${SLUG}&name=x.txt`, { origin: "https://evil.example" });
    expect(csrf.status).toBe(403);
    expect(await csrf.json()).toMatchObject({ code: "FORBIDDEN" });
    const anon = await post(`?slug=${SLUG}&name=x.txt`, { cookie: "" });
    expect(anon.status).toBe(401);
  });

  it("picks the file in the tokenizer node's inspector; the draft runs with it", async () => {
    await openTab("Editor");
    await selectTokenizerNode();
    await picker().selectOption({ label: "vocab.txt" });
    await expect.poll(savedTokenizer, POLL).toEqual({ name: "vocab.txt", sha256: sha256(v1) });
    await page.getByTestId("inspector").getByTestId("asset-picker-hint").getByText(`sha256 ${sha256(v1).slice(0, 12)}`).waitFor();
    await shot("02-picked");
    expect(await runDraft("want")).toMatchObject({ status: "ok", outputs: { ids: { dtype: "int64", shape: [1, 8], data: [2, 4, 3, 0, 0, 0, 0, 0] } } });
  });

  it("replaces the file: a new hash, the node stays on the earlier file until pointed at the new one; delete is refused", async () => {
    await openTab("Assets");
    await expect.poll(() => row("vocab.txt").getByTestId("asset-used-by").textContent(), POLL).toBe("Draft: tok");
    await row("vocab.txt").getByTestId("asset-replace").setInputFiles(files.vocabV2);
    await expect.poll(() => row("vocab.txt").getAttribute("data-sha256"), POLL).toBe(sha256(v2));
    expect(await page.getByTestId("asset-row").count()).toBe(1); // stored under the row's name, not vocab-v2.txt
    await row("vocab.txt").getByText("1 earlier file").waitFor();
    await row("vocab.txt").getByTestId("asset-used-by").getByText("tok still on an earlier file").waitFor();

    await row("vocab.txt").getByTestId("asset-delete").click();
    const dialog = page.getByTestId("asset-delete-dialog");
    await dialog.getByTestId("asset-delete-confirm").click();
    await dialog.getByTestId("asset-delete-error").getByText(/used by the draft \(node tok\)/).waitFor();
    await screenshot(page, "assets-03-delete-refused", { fullPage: false });
    await dialog.getByRole("button", { name: "Cancel", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await row("vocab.txt").waitFor();

    await openTab("Editor");
    await selectTokenizerNode();
    await page.getByTestId("asset-picker-newer").waitFor();
    await shot("04-newer-file");
    await page.getByTestId("asset-picker-latest").click();
    await expect.poll(savedTokenizer, POLL).toEqual({ name: "vocab.txt", sha256: sha256(v2) });
    expect(await page.getByTestId("asset-picker-newer").count()).toBe(0);
    expect(await runDraft("want")).toMatchObject({ status: "ok", outputs: { ids: { data: [2, 12, 3, 0, 0, 0, 0, 0] } } });
  });

  it("uploads a tokenizer.json from the picker; a name a committed version uses cannot be deleted, an unused one can", async () => {
    // Version 1 uses vocab.txt (its latest file).
    await page.getByTestId("save-state").getByText(/^Saved · revision \d+$/).waitFor();
    const committed = await trpcMutation(page, "versions.commit", { slug: SLUG, message: "vocab v2" });
    expect(committed.status, committed.body).toBe(200);

    await page.getByTestId("asset-picker-upload").setInputFiles(files.tokenizerJson);
    await expect.poll(() => picker().inputValue(), POLL).toBe(TOKENIZER_JSON);
    await expect.poll(async () => ((await savedTokenizer()) as { name?: string } | undefined)?.name, POLL).toBe(TOKENIZER_JSON);
    expect(await runDraft("Hello world!")).toMatchObject({ status: "ok", outputs: { ids: { data: [1, 14, 18, 19, 2, 3, 3, 3] } } });

    await openTab("Assets");
    await expect.poll(() => row("vocab.txt").getByTestId("asset-used-by").textContent(), POLL).toBe("Version 1");
    expect(await row(TOKENIZER_JSON).getByTestId("asset-used-by").textContent()).toBe("Draft: tok");
    await row("vocab.txt").getByTestId("asset-delete").click();
    const dialog = page.getByTestId("asset-delete-dialog");
    await dialog.getByTestId("asset-delete-confirm").click();
    await dialog.getByTestId("asset-delete-error").getByText(/used by version 1/).waitFor();
    await dialog.getByRole("button", { name: "Cancel", exact: true }).click();

    await page.getByTestId("asset-upload").setInputFiles(files.labels);
    await row("labels.txt").waitFor();
    await row("labels.txt").getByTestId("asset-delete").click();
    await dialog.getByTestId("asset-delete-confirm").click();
    await row("labels.txt").waitFor({ state: "detached" });
    expect(await page.getByTestId("asset-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")))).toEqual([TOKENIZER_JSON, "vocab.txt"]);
    await shot("05-list");
    expect(pageErrors).toEqual([]);
  });
});
