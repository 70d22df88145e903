import type { Locator, Page } from "playwright-core";

/**
 * Driving the canvas editor in a browser: locators by test id, palette drops, port-to-port drags, the
 * save state. `page` is read on each call (tests create it in beforeAll).
 */
export function canvasHelpers(page: () => Page) {
  const canvas = () => page().getByTestId("canvas");
  const inspector = () => page().getByTestId("inspector");
  const node = (id: string) => page().getByTestId(`node-${id}`);
  const handle = (nodeId: string, side: "in" | "out", port: string) => page().getByTestId(`handle-${nodeId}-${side}-${port}`);
  const edgeCount = () => page().locator(".react-flow__edge").count();

  /** Drag a node type from the palette onto the canvas at (x, y) relative to the canvas' top-left. */
  async function dropNode(type: string, x: number, y: number, expectId: string) {
    await page().getByTestId(`palette-${type}`).dragTo(canvas(), { targetPosition: { x, y } });
    await node(expectId).waitFor();
  }

  async function centre(l: Locator): Promise<{ x: number; y: number }> {
    const b = await l.boundingBox();
    if (!b) throw new Error("element has no box");
    return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  }

  /** Press on one handle, drag to another, optionally look before letting go. */
  async function dragConnection(from: Locator, to: Locator, beforeRelease?: () => Promise<void>) {
    await from.waitFor();
    await to.waitFor();
    const a = await centre(from);
    const b = await centre(to);
    const mouse = page().mouse;
    await mouse.move(a.x, a.y);
    await mouse.down();
    await mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 6 });
    await mouse.move(b.x, b.y, { steps: 6 });
    if (beforeRelease) await beforeRelease();
    await mouse.up();
  }

  async function waitForSaved() {
    await page().getByTestId("save-state").getByText(/^Saved · revision \d+$/).waitFor();
  }

  /** Creates a pipeline from the Pipelines page, opens its editor and deletes the starter nodes. */
  async function newPipelineOnEmptyCanvas(name: string, slug: string) {
    const p = page();
    await p.goto("/pipelines");
    await p.getByRole("button", { name: "New pipeline" }).click();
    const form = p.getByTestId("create-pipeline-form");
    await form.getByLabel("Name").fill(name);
    await form.getByRole("button", { name: "Create pipeline" }).click();
    await p.getByRole("link", { name }).click();
    await p.waitForURL(new RegExp(`/pipelines/${slug}$`));
    await p.getByTestId("editor").waitFor();
    // The starter draft (input → output): select everything and delete it.
    await node("input").waitFor();
    await canvas().click({ position: { x: 500, y: 500 } });
    await p.keyboard.press("Control+a");
    await p.keyboard.press("Delete");
    await p.getByText("An empty canvas").waitFor();
    await waitForSaved();
  }

  return { canvas, inspector, node, handle, edgeCount, dropNode, centre, dragConnection, waitForSaved, newPipelineOnEmptyCanvas };
}
