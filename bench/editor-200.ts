// Benchmark (issue 5, item 9): a 200-node pipeline opens in the editor and is interactive in under 1 s.
// Runs the real server (production build, embedded PGlite in a fresh temp dir) and Chromium, and measures in
// the page, from navigation start (performance.now() = 0):
//   rendered     all nodes on the canvas and measured (React Flow shows a node once it has its size)
//   checked      the first validation answered and is shown (ports typed, problems counted)
//   interactive  a click on a node, sent as soon as the nodes are rendered, has selected it and the
//                inspector shows it (includes the driver's round trips, so it is an upper bound)
//   click        that click's latency: the inspector showing it − the pointerdown's timestamp
//   drag         dragging that node by (80, 50) px: the node drawn in its final place − the last pointermove's timestamp
//   long tasks   main-thread tasks over 50 ms between navigation start and "interactive", summed
// Baseline, measured in the same run: the same page with a 2-node pipeline (input → output). The JS is in the
// browser's HTTP cache (a returning user): one warm-up visit of each page comes first, then RUNS visits of each,
// alternating. Prints medians, maxima and ratios; asserts nothing about time.
//
//   npx next build && node --import tsx bench/editor-200.ts        (BENCH_RUNS=5, BENCH_PORT=3292)
//   BENCH_TRACE=editor-200-trace.json   also writes a Chrome performance trace of one 200-node visit
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type Page } from "playwright-core";
import { startServer } from "../test/helpers/server-process.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PORT = Number(process.env.BENCH_PORT ?? 3292);
const CHAINS = 20;

type TNode = { id: string; type: string; params: Record<string, unknown> };
type TEdge = { id: string; source: { node: string; port: string }; target: { node: string; port: string } };

/** CHAINS chains of 10 nodes (input → features → scale → clip → min-max → sigmoid → cast → softmax → top-k → output), laid out in rows. */
function bigGraph() {
  const nodes: TNode[] = [];
  const edges: TEdge[] = [];
  const layout: Record<string, { x: number; y: number }> = {};
  const fields = ["a", "b", "c", "d"];
  for (let k = 0; k < CHAINS; k++) {
    const c = String(k).padStart(2, "0");
    const chain: [string, string, Record<string, unknown>, string, string][] = [
      // id, type, params, input port, output port
      [`in${c}`, "io/input@v1", { name: `record_${c}`, kind: { kind: "json" } }, "", "value"],
      [`features${c}`, "tabular/features@v1", { fields }, "record", "features"],
      [`scale${c}`, "tabular/standard-scale@v1", { mean: [5.8, 3.1, 3.7, 1.2], std: [0.8, 0.4, 1.7, 0.8] }, "x", "y"],
      [`clip${c}`, "tabular/clip@v1", { min: -3, max: 3 }, "x", "y"],
      [`minmax${c}`, "tabular/min-max-scale@v1", { min: [-3, -3, -3, -3], max: [3, 3, 3, 3] }, "x", "y"],
      [`sigmoid${c}`, "post/sigmoid@v1", {}, "x", "y"],
      [`cast${c}`, "tensor/cast@v1", { to: "float32" }, "x", "y"],
      [`softmax${c}`, "post/softmax@v1", {}, "x", "y"],
      [`topk${c}`, "post/top-k@v1", { k: 2, labels: fields }, "scores", "label"],
      [`out${c}`, "io/output@v1", { name: `label_${c}` }, "value", ""],
    ];
    chain.forEach(([id, type, params, inPort], i) => {
      nodes.push({ id, type, params });
      layout[id] = { x: i * 300, y: k * 200 };
      if (i > 0) {
        const [prev, , , , outPort] = chain[i - 1]!;
        edges.push({ id: `e${c}_${i}`, source: { node: prev, port: outPort }, target: { node: id, port: inPort } });
      }
    });
  }
  return { graph: { schemaVersion: 1, nodes, edges }, layout: { nodes: layout } };
}

function smallGraph() {
  return {
    graph: {
      schemaVersion: 1,
      nodes: [
        { id: "in00", type: "io/input@v1", params: { name: "record", kind: { kind: "json" } } },
        { id: "out00", type: "io/output@v1", params: { name: "value" } },
      ],
      edges: [{ id: "e1", source: { node: "in00", port: "value" }, target: { node: "out00", port: "value" } }],
    },
    layout: { nodes: { in00: { x: 0, y: 0 }, out00: { x: 300, y: 0 } } },
  };
}

interface TProbe {
  /** How many nodes the page should show (from ?expect=). */
  expect: number;
  rendered?: number;
  checked?: number;
  /** When the inspector first showed each node id. */
  inspected: Record<string, number>;
  /** Every pointerdown's timestamp. */
  downs: number[];
  lastMove?: number;
  /** The watched node's last transform change. */
  watch?: string;
  moved?: { at: number; transform: string };
  longTasks: { start: number; duration: number }[];
}

/** Installed before any page script: looks at the canvas, the problems bar and the inspector every frame. */
function pageProbe() {
  const probe: TProbe = { expect: Number(new URLSearchParams(location.search).get("expect") ?? 0), inspected: {}, downs: [], longTasks: [] };
  (window as unknown as { __probe: TProbe }).__probe = probe;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch {
    /* no long task timing */
  }
  addEventListener("pointerdown", (e) => probe.downs.push(e.timeStamp), true);
  addEventListener("pointermove", (e) => (probe.lastMove = e.timeStamp), true);
  const frame = () => {
    const now = performance.now();
    if (probe.rendered === undefined && probe.expect) {
      // React Flow keeps a node hidden until it has measured it.
      let shown = 0;
      for (const n of document.querySelectorAll<HTMLElement>(".react-flow__node")) if (n.style.visibility !== "hidden") shown++;
      if (shown === probe.expect) probe.rendered = now;
    }
    if (probe.checked === undefined) {
      const bar = document.querySelector("[data-testid=problems-panel]");
      if (bar && !bar.querySelector(".problems-checking") && bar.querySelector(".problems-ok, .problems-count.is-error, .problems-count.is-warning")) probe.checked = now;
    }
    const id = document.querySelector("[data-testid=inspector] .field-hint code")?.textContent;
    if (id && probe.inspected[id] === undefined) probe.inspected[id] = now;
    if (probe.watch) {
      const t = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${probe.watch}"]`)?.style.transform ?? "";
      if (!probe.moved || probe.moved.transform !== t) probe.moved = { at: now, transform: t };
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

interface TVisit {
  rendered: number;
  checked: number;
  interactive: number;
  click: number;
  drag: number;
  longTasks: number;
}

const probeOf = (page: Page) => page.evaluate(() => ({ ...(window as unknown as { __probe: TProbe }).__probe }));

async function visit(page: Page, slug: string, count: number, target: string): Promise<TVisit> {
  await page.goto(`/pipelines/${slug}?expect=${count}`);
  await page.waitForFunction(() => (window as unknown as { __probe: TProbe }).__probe.rendered !== undefined, null, { polling: "raf", timeout: 30_000 }).catch(async (e: unknown) => {
    throw new Error(`${slug}: not all ${count} nodes shown: ${JSON.stringify(await probeOf(page))}`, { cause: e });
  });
  // Click as soon as the nodes are there (raw input at the node's current place, no waiting for it to hold
  // still): interactive once the inspector shows the node. If the opening fit moved the node between
  // finding and clicking it, the click missed: click again, as a user would.
  for (let attempt = 1; ; attempt++) {
    const at = await page.evaluate((id) => {
      const r = document.querySelector(`[data-testid="node-${id}"] .pnode-header`)?.getBoundingClientRect();
      return r ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null;
    }, target);
    if (!at) throw new Error(`node ${target} is not on the page`);
    await page.mouse.click(at.x, at.y);
    try {
      await page.waitForFunction((id) => (window as unknown as { __probe: TProbe }).__probe.inspected[id] !== undefined, target, { polling: "raf", timeout: 500 });
      break;
    } catch (e) {
      if (attempt === 10) throw e;
    }
  }
  const header = page.getByTestId(`node-${target}`).locator(".pnode-header");

  // The drag is timed on its own, once everything has settled (the opening fit included).
  await page.waitForFunction(() => (window as unknown as { __probe: TProbe }).__probe.checked !== undefined, null, { polling: "raf", timeout: 30_000 });
  await page.waitForTimeout(300);
  const before = await header.boundingBox();
  if (!before) throw new Error(`node ${target} has no box`);
  await page.evaluate((id) => ((window as unknown as { __probe: TProbe }).__probe.watch = id), target);
  const x = before.x + before.width / 2;
  const y = before.y + before.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 40, y + 25, { steps: 4 });
  await page.mouse.move(x + 80, y + 50, { steps: 4 });
  await page.mouse.up();
  // In its final place once its transform has not changed for 10 frames.
  await page.waitForFunction(
    () => {
      const p = (window as unknown as { __probe: TProbe }).__probe;
      return p.moved !== undefined && performance.now() - p.moved.at > 170;
    },
    null,
    { polling: "raf" },
  );
  const after = await header.boundingBox();
  // (React Flow starts a drag past a threshold, so the node follows the pointer from its first move on.)
  if (!after || after.x - before.x < 60 || after.y - before.y < 35) throw new Error(`the drag did not move ${target}: ${JSON.stringify({ before, after })}`);

  const p = await probeOf(page);
  const interactive = p.inspected[target]!;
  // The click that was answered: the last one before the inspector showed the node (a blocked page may
  // answer the first click after the bench has given up on it and clicked again).
  const clickedAt = Math.max(...p.downs.filter((t) => t <= interactive));
  return {
    rendered: p.rendered!,
    checked: p.checked!,
    interactive,
    click: interactive - clickedAt,
    drag: p.moved!.at - p.lastMove!,
    longTasks: p.longTasks.filter((t) => t.start < interactive).reduce((sum, t) => sum + t.duration, 0),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const dataDir = await mkdtemp(path.join(os.tmpdir(), "inferline-bench-editor-"));
const server = await startServer(PORT, { DATA_DIR: dataDir, NODE_ENV: "production", DATABASE_URL: undefined, ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1680, height: 1050 }, baseURL: server.url });
  // As source text: tsx compiles this file with esbuild's keepNames, which wraps inner functions in a
  // `__name(…)` helper the page does not have.
  await context.addInitScript({ content: `const __name = (f) => f; (${pageProbe.toString()})();` });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.setDefaultTimeout(30_000);

  // Admin (the session cookie lands in the browser), then the two pipelines with their drafts.
  await page.goto("/setup");
  const call = async (proc: string, input: unknown) => {
    const r = await page.evaluate(
      async ([p, i]) => {
        const res = await fetch(`/api/trpc/${p}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(i) });
        return { status: res.status, body: await res.text() };
      },
      [proc, input] as const,
    );
    if (r.status !== 200) throw new Error(`${proc}: ${r.status} ${r.body}`);
    return (JSON.parse(r.body) as { result: { data: unknown } }).result.data;
  };
  await call("auth.setup", { email: "bench@example.com", name: "Bench", password: "password-bench" });
  const pipelines = [
    { slug: "editor-200", doc: bigGraph(), target: "scale00" },
    { slug: "editor-2", doc: smallGraph(), target: "in00" },
  ];
  for (const p of pipelines) {
    await call("pipelines.create", { slug: p.slug, name: p.slug });
    const draft = (await page.evaluate(async (slug) => (await (await fetch(`/api/trpc/drafts.get?input=${encodeURIComponent(JSON.stringify({ slug }))}`)).json()) as { result: { data: { revision: number } } }, p.slug)).result.data;
    await call("drafts.save", { slug: p.slug, graph: p.doc.graph, layout: p.doc.layout, baseRevision: draft.revision });
    const v = (await call("pipelines.validate", { graph: p.doc.graph })) as { issues: { severity: string; message: string }[] };
    const bad = v.issues.filter((i) => i.severity === "error");
    if (bad.length) throw new Error(`${p.slug} does not compile: ${bad.map((i) => i.message).join("; ")}`);
  }
  const big = pipelines[0]!;
  const small = pipelines[1]!;
  const bigCount = big.doc.graph.nodes.length;
  const smallCount = small.doc.graph.nodes.length;

  // A fresh draft each visit: the drag moved a node, and the editor saves that.
  const reset = async (p: (typeof pipelines)[number]) => {
    const draft = (await page.evaluate(async (slug) => (await (await fetch(`/api/trpc/drafts.get?input=${encodeURIComponent(JSON.stringify({ slug }))}`)).json()) as { result: { data: { revision: number } } }, p.slug)).result.data;
    await call("drafts.save", { slug: p.slug, graph: p.doc.graph, layout: p.doc.layout, baseRevision: draft.revision });
  };
  const leave = async () => {
    // Let the autosave of the drag land, so no save is in flight during the next visit.
    await page.getByTestId("save-state").getByText(/^Saved · revision \d+$/).waitFor();
    await page.goto("/setup");
  };

  await visit(page, big.slug, bigCount, big.target);
  await leave();
  await reset(big);
  await visit(page, small.slug, smallCount, small.target);
  await leave();
  await reset(small);

  const results = { big: [] as TVisit[], small: [] as TVisit[] };
  for (let i = 0; i < RUNS; i++) {
    results.big.push(await visit(page, big.slug, bigCount, big.target));
    await leave();
    await reset(big);
    results.small.push(await visit(page, small.slug, smallCount, small.target));
    await leave();
    await reset(small);
  }

  if (process.env.BENCH_TRACE) {
    await browser.startTracing(page, { path: process.env.BENCH_TRACE, screenshots: false, categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "disabled-by-default-v8.cpu_profiler", "blink.user_timing"] });
    await visit(page, big.slug, bigCount, big.target);
    await browser.stopTracing();
    await leave();
    await reset(big);
    console.log(`trace of one ${bigCount}-node visit: ${process.env.BENCH_TRACE}`);
  }

  const cols: (keyof TVisit)[] = ["rendered", "checked", "interactive", "click", "drag", "longTasks"];
  const fmt = (n: number) => `${n.toFixed(0).padStart(6)}`;
  console.log(`\nEditor page, ${RUNS} visits each after a warm-up; ms from navigation start (click/drag: input → shown)\n`);
  console.log(`${"".padEnd(22)}${cols.map((c) => c.padStart(12)).join("")}`);
  for (const [label, rows] of [[`${bigCount} nodes median`, results.big], [`${bigCount} nodes max`, results.big], [`${smallCount} nodes median`, results.small], [`${smallCount} nodes max`, results.small]] as const) {
    const agg = label.endsWith("max") ? (xs: number[]) => Math.max(...xs) : median;
    console.log(`${label.padEnd(22)}${cols.map((c) => fmt(agg(rows.map((r) => r[c]))).padStart(12)).join("")}`);
  }
  console.log(`${"ratio (medians)".padEnd(22)}${cols.map((c) => `${(median(results.big.map((r) => r[c])) / Math.max(1, median(results.small.map((r) => r[c])))).toFixed(2)}×`.padStart(12)).join("")}`);
  const worst = Math.max(...results.big.map((r) => r.interactive));
  console.log(`\n${bigCount} nodes interactive: median ${median(results.big.map((r) => r.interactive)).toFixed(0)} ms, max ${worst.toFixed(0)} ms (target < 1000 ms)`);
  if (errors.length) console.log(`page errors:\n${errors.join("\n")}`);
} finally {
  await browser.close();
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
