/**
 * Browser end-to-end test of the foundation: first-run setup, pipelines, draft/commit/alias, draft
 * conflicts between two sessions, users and roles, sign-out/sign-in. Runs the real server (embedded
 * PGlite in a fresh temp dir) against an existing production build (`npx next build` first).
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fillSetupForm, launchBrowser, newPage, screenshot, startAppServer, type TAppServer } from "./harness.ts";

const PORT = Number(process.env.E2E_PORT ?? 3210);
const BASE = `http://127.0.0.1:${PORT}`;

const ADMIN = { email: "ada@example.com", name: "Ada Lovelace", password: "correct horse battery" };
const VIEWER = { email: "vic@example.com", name: "Vic Viewer", password: "viewer-password-1" };
const SLUG = "iris-classifier";

let server: TAppServer | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];

async function newSession(who: string): Promise<{ context: BrowserContext; page: Page }> {
  if (!browser) throw new Error("browser not started");
  return newPage(browser, BASE, { errors: pageErrors, timeout: 15_000, formatError: (err) => `[${who}] ${err.message}` });
}

async function signIn(p: Page, who: { email: string; password: string }) {
  await p.goto("/sign-in");
  await p.getByLabel("Email").fill(who.email);
  await p.getByLabel("Password").fill(who.password);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.waitForURL(/\/pipelines$/);
}

const editor = (p: Page) => p.getByLabel("Graph JSON");

beforeAll(async () => {
  // The embedded database, and the first-run setup page (no bootstrap admin).
  server = await startAppServer({ port: PORT });
  browser = await launchBrowser();
  ({ page } = await newSession("admin"));
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

describe("Inferline foundation in a browser", () => {
  it("sends the first visitor to setup, creates the admin and lands on the pipeline list", async () => {
    await page.goto("/");
    await page.waitForURL(/\/setup$/);
    await page.getByRole("heading", { name: "Set up Inferline" }).waitFor();
    await screenshot(page, "01-setup");

    await fillSetupForm(page, ADMIN, "something else");
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.getByText("The passwords don't match.").waitFor();

    await page.getByLabel("Confirm password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL(/\/pipelines$/);
    await page.getByRole("heading", { name: "Pipelines" }).waitFor();
    await page.getByText("No pipelines yet").waitFor();
    expect(await page.getByTestId("account-menu").textContent()).toContain(ADMIN.name);
    await screenshot(page, "02-pipelines-empty");

    // Setup is one-off: the page now sends visitors to sign-in.
    const other = await newSession("other");
    await other.page.goto("/setup");
    await other.page.waitForURL(/\/sign-in$/);
    await other.context.close();
  });

  it("creates a pipeline with a suggested slug and reports slug errors next to the field", async () => {
    await page.getByRole("button", { name: "New pipeline" }).click();
    const form = page.getByTestId("create-pipeline-form");
    await form.getByLabel("Name").fill("Iris classifier");
    expect(await form.getByLabel("Slug").inputValue()).toBe(SLUG);
    await form.getByLabel("Description").fill("Classifies iris flowers from sepal and petal measurements.");
    await screenshot(page, "03-create-form");
    await form.getByRole("button", { name: "Create pipeline" }).click();

    const row = page.getByTestId(`pipeline-row-${SLUG}`);
    await row.waitFor();
    expect(await row.textContent()).toContain("Iris classifier");
    expect(await row.textContent()).toContain(SLUG);
    await page.getByText("Created Iris classifier").waitFor();

    // A malformed slug: the server's INVALID_SLUG message shows under the slug field.
    await page.getByRole("button", { name: "New pipeline" }).click();
    await form.getByLabel("Name").fill("Broken one");
    await form.getByLabel("Slug").fill("Not A Slug!");
    await form.getByRole("button", { name: "Create pipeline" }).click();
    const slugError = form.locator(".field-invalid").filter({ has: page.getByLabel("Slug") }).getByRole("alert");
    await slugError.waitFor();
    expect(await slugError.textContent()).toContain("is not a valid slug");
    expect(await form.getByLabel("Slug").getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "04-invalid-slug");

    // A taken slug: SLUG_TAKEN, same place.
    await form.getByLabel("Slug").fill(SLUG);
    await form.getByRole("button", { name: "Create pipeline" }).click();
    await form.getByText("already exists").waitFor();
    await form.getByRole("button", { name: "Cancel" }).click();
    expect(await page.getByTestId("create-pipeline-form").count()).toBe(0);

    // Search filters the list.
    await page.getByLabel("Search pipelines").fill("nothing-like-this");
    await page.getByText("No pipelines match").waitFor();
    await page.getByLabel("Search pipelines").fill("iris");
    await row.waitFor();
  });

  it("commits version 1 and points production at it after confirming", async () => {
    await page.getByRole("link", { name: "Iris classifier" }).click();
    await page.waitForURL(new RegExp(`/pipelines/${SLUG}$`));
    await page.getByRole("heading", { name: "Iris classifier" }).waitFor();
    // The canvas is the main editor; the graph JSON is its own tab.
    await page.getByRole("tab", { name: "JSON" }).click();
    expect(await editor(page).inputValue()).toContain('"io/input@v1"');
    expect(await page.getByTestId("draft-meta").textContent()).toContain("Revision 1");
    await page.getByText("No versions yet").waitFor();
    await screenshot(page, "05-pipeline-detail");

    await page.getByLabel("Version message").fill("First working classifier");
    await page.getByRole("button", { name: "Commit version" }).click();
    await page.getByTestId("commit-success").waitFor();
    expect(await page.getByTestId("commit-success").textContent()).toContain("as version 1");
    const v1 = page.getByTestId("version-row-1");
    await v1.waitFor();
    expect(await v1.textContent()).toContain("First working classifier");
    expect(await v1.textContent()).toContain(ADMIN.email);

    const aliasForm = page.getByTestId("alias-form");
    await aliasForm.getByLabel("Alias", { exact: true }).fill("production");
    await aliasForm.getByLabel("Version", { exact: true }).selectOption("1");
    await aliasForm.getByRole("button", { name: "Set alias" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Point production at v1?").waitFor();
    await screenshot(page, "06-alias-confirm", { fullPage: false });
    await dialog.getByTestId("confirm-alias").click();
    await dialog.waitFor({ state: "detached" });

    await page.getByTestId("aliases-panel").getByText("production → v1").waitFor();
    await v1.getByTestId("alias-badge").getByText("production").waitFor();
    await page.getByTestId("activity-panel").getByText("set alias production → v1").waitFor();
    await screenshot(page, "07-alias-set");
  });

  it("saves a draft edit, commits v2 and asks before moving production from v1 to v2", async () => {
    const text = await editor(page).inputValue();
    await editor(page).fill(text.replace('"label": "Input"', '"label": "Measurements"'));
    await page.getByTestId("draft-panel").getByText("Unsaved changes", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByTestId("draft-panel").getByText("Saved", { exact: true }).waitFor();
    expect(await page.getByTestId("draft-meta").textContent()).toContain("Revision 2");

    await page.getByLabel("Version message").fill("Rename the input node");
    await page.getByRole("button", { name: "Commit version" }).click();
    await page.getByTestId("version-row-2").waitFor();

    const aliasForm = page.getByTestId("alias-form");
    await aliasForm.getByLabel("Alias", { exact: true }).fill("production");
    await aliasForm.getByLabel("Version", { exact: true }).selectOption("2");
    await aliasForm.getByRole("button", { name: "Set alias" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Move production from v1 to v2?").waitFor();
    await dialog.getByRole("button", { name: "Move production" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByTestId("aliases-panel").getByText("production → v2").waitFor();
    await page.getByTestId("activity-panel").getByText("moved alias production from v1 to v2").waitFor();

    // A version is read-only and keeps what was committed.
    await page.getByRole("button", { name: "View version 1" }).click();
    const view = page.getByTestId("version-dialog");
    const frozen = await view.getByLabel("Graph JSON (read-only)").inputValue();
    expect(frozen).toContain('"label": "Input"');
    expect(await view.getByLabel("Graph JSON (read-only)").getAttribute("readonly")).not.toBeNull();
    await screenshot(page, "08-version-view", { fullPage: false });
    await view.getByRole("button", { name: "Close" }).first().click();
    await view.waitFor({ state: "detached" });
    await screenshot(page, "09-pipeline-after-commits");
  });

  it("refuses a save built on a stale draft and keeps the user's text", async () => {
    const b = await newSession("second");
    try {
      await signIn(b.page, ADMIN);
      await b.page.goto(`/pipelines/${SLUG}`);
      await b.page.getByRole("tab", { name: "JSON" }).click();
      await editor(b.page).waitFor();
      expect(await b.page.getByTestId("draft-meta").textContent()).toContain("Revision 2");

      // A saves first…
      const a = await editor(page).inputValue();
      await editor(page).fill(a.replace('"label": "Output"', '"label": "Species"'));
      await page.getByRole("button", { name: "Save draft" }).click();
      await page.getByTestId("draft-meta").getByText("Revision 3").waitFor();

      // …then B, still on revision 2, is refused.
      const bText = (await editor(b.page).inputValue()).replace('"label": "Output"', '"label": "Prediction"');
      await editor(b.page).fill(bText);
      await b.page.getByRole("button", { name: "Save draft" }).click();
      const conflict = b.page.getByTestId("draft-conflict");
      await conflict.waitFor();
      expect(await conflict.textContent()).toContain("Someone else saved this draft");
      expect(await conflict.textContent()).toContain(`Revision 3 was saved by ${ADMIN.email}`);
      expect(await editor(b.page).inputValue()).toBe(bText);
      await screenshot(b.page, "10-draft-conflict");

      // Reload shows A's draft and keeps B's text aside.
      await conflict.getByRole("button", { name: "Reload draft" }).click();
      await conflict.waitFor({ state: "detached" });
      expect(await editor(b.page).inputValue()).toContain('"label": "Species"');
      expect(await b.page.getByTestId("draft-meta").textContent()).toContain("Revision 3");
      const stash = b.page.getByTestId("draft-stash");
      expect(await stash.getByRole("textbox").inputValue()).toBe(bText);
      await screenshot(b.page, "11-draft-reloaded");
      await stash.getByRole("button", { name: "Discard it" }).click();
    } finally {
      await b.context.close();
    }
  });

  it("shows graph validation issues for saves and commits", async () => {
    await editor(page).fill("{ not json");
    await page.getByRole("button", { name: "Save draft" }).click();
    expect(await page.getByTestId("draft-json-error").textContent()).toContain("Not valid JSON");

    await editor(page).fill(JSON.stringify({ schemaVersion: 1, nodes: [{ id: "a", type: "Not a type" }], edges: [{ id: "e", source: { node: "a", port: "x" }, target: { node: "zz", port: "y" } }] }));
    await page.getByRole("button", { name: "Save draft" }).click();
    const issues = page.getByTestId("draft-issues");
    await issues.waitFor();
    expect(await issues.textContent()).toContain("graph.nodes.0.type");
    expect(await issues.textContent()).toContain("unknown node 'zz'");
    await screenshot(page, "12-invalid-graph");

    // An empty graph saves, but cannot be committed.
    await editor(page).fill(JSON.stringify({ schemaVersion: 1, nodes: [], edges: [] }));
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByTestId("draft-meta").getByText("Revision 4").waitFor();
    await page.getByLabel("Version message").fill("Nothing in it");
    await page.getByRole("button", { name: "Commit version" }).click();
    const commitIssues = page.getByTestId("commit-issues");
    await commitIssues.waitFor();
    expect(await commitIssues.textContent()).toContain("graph.nodes");
    await screenshot(page, "13-commit-invalid");
  });

  it("renames, archives and unarchives a pipeline", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Pipelines" }).click();
    await page.waitForURL(/\/pipelines$/);
    await page.getByRole("button", { name: "New pipeline" }).click();
    const form = page.getByTestId("create-pipeline-form");
    await form.getByLabel("Name").fill("Penguins");
    await form.getByRole("button", { name: "Create pipeline" }).click();
    const row = page.getByTestId("pipeline-row-penguins");
    await row.waitFor();

    await row.getByRole("button", { name: "Rename Penguins" }).click();
    const dialog = page.getByTestId("rename-dialog");
    await dialog.getByLabel("Name").fill("Penguin species");
    await dialog.getByLabel("Description").fill("Predicts the species from bill and flipper sizes.");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    await row.getByText("Penguin species").waitFor();
    expect(await row.textContent()).toContain("Predicts the species");

    await row.getByRole("button", { name: "Archive Penguin species" }).click();
    await row.waitFor({ state: "detached" });
    await page.getByLabel("Show archived").check();
    await row.getByText("Archived").waitFor();
    await screenshot(page, "14-archived-in-list");

    await row.getByRole("link", { name: "Penguin species" }).click();
    await page.waitForURL(/\/pipelines\/penguins$/);
    await page.getByText("This pipeline is archived", { exact: true }).waitFor();
    await page.getByRole("tab", { name: "JSON" }).click();
    await editor(page).waitFor();
    expect(await editor(page).getAttribute("readonly")).not.toBeNull();
    expect(await page.getByRole("button", { name: "Save draft" }).count()).toBe(0);
    await screenshot(page, "15-archived-detail");
    await page.getByRole("button", { name: "Unarchive Penguin species" }).click();
    await page.getByRole("button", { name: "Save draft" }).waitFor();
    expect(await editor(page).getAttribute("readonly")).toBeNull();
  });

  it("lets an admin add a viewer, who can read but not change pipelines", async () => {
    await page.getByRole("link", { name: "Users" }).click();
    await page.waitForURL(/\/users$/);
    const form = page.getByTestId("create-user-form");
    await form.getByLabel("Email").fill(VIEWER.email);
    await form.getByLabel("Name").fill(VIEWER.name);
    await form.getByLabel("Password").fill(VIEWER.password);
    await form.getByLabel("Role").selectOption("viewer");
    await form.getByRole("button", { name: "Add user" }).click();
    await page.getByTestId("users-table").getByText(VIEWER.email, { exact: true }).waitFor();
    expect(await page.getByLabel(`Role of ${VIEWER.email}`).inputValue()).toBe("viewer");
    await screenshot(page, "16-users");

    const v = await newSession("viewer");
    try {
      await signIn(v.page, VIEWER);
      await v.page.getByTestId(`pipeline-row-${SLUG}`).waitFor();
      expect(await v.page.getByRole("button", { name: "New pipeline" }).count()).toBe(0);
      expect(await v.page.getByRole("link", { name: "Users" }).count()).toBe(0);
      expect(await v.page.getByTestId(`pipeline-row-${SLUG}`).textContent()).toContain("production → v2");
      await v.page.getByRole("link", { name: "Iris classifier" }).click();
      await v.page.getByRole("tab", { name: "JSON" }).click();
      await editor(v.page).waitFor();
      expect(await editor(v.page).getAttribute("readonly")).not.toBeNull();
      expect(await v.page.getByRole("button", { name: "Save draft" }).count()).toBe(0);
      expect(await v.page.getByRole("button", { name: "Commit version" }).count()).toBe(0);
      expect(await v.page.getByRole("button", { name: "Set alias" }).count()).toBe(0);
      await screenshot(v.page, "17-viewer-detail");
    } finally {
      await v.context.close();
    }
  });

  it("signs out from the account menu, rejects a wrong password and signs back in", async () => {
    await page.goto("/pipelines");
    await page.getByTestId(`pipeline-row-${SLUG}`).getByText("production → v2").waitFor();
    await screenshot(page, "18-pipelines-list");

    await page.getByTestId("account-menu").click();
    const menu = page.getByRole("menu");
    expect(await menu.textContent()).toContain(ADMIN.email);
    await screenshot(page, "19-account-menu");
    await menu.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in$/);

    // Signed out for real: the app sends us back to sign-in.
    await page.goto(`/pipelines/${SLUG}`);
    await page.waitForURL(/\/sign-in$/);

    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    const error = page.getByTestId("sign-in-error");
    await error.waitFor();
    expect(await error.textContent()).toBe("Wrong email or password.");
    await screenshot(page, "20-sign-in-error");

    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/pipelines$/);
    await page.getByTestId(`pipeline-row-${SLUG}`).waitFor();
    expect(await page.getByTestId("account-menu").textContent()).toContain(ADMIN.name);
  });

  it("raised no uncaught errors in any page", () => {
    expect(pageErrors).toEqual([]);
  });
});
