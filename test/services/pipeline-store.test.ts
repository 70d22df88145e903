import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { graphContentHash } from "@/server/engine/graph/hash.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { expectAppError, TestClient } from "../helpers/clients.ts";

const ADMIN = { email: "ada@example.com", name: "Ada", password: "correct horse battery" };

describe.each(BACKENDS)("pipeline store on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let admin: TestClient;
  let editor: TestClient;
  let viewer: TestClient;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    admin = new TestClient(db.prisma);
    await (await admin.api()).auth.setup(ADMIN);
    for (const [role, email] of [["editor", "ed@example.com"], ["viewer", "vi@example.com"]] as const) {
      await (await admin.api()).users.create({ email, name: role, password: "password-123", role });
    }
    editor = new TestClient(db.prisma);
    await (await editor.api()).auth.signIn({ email: "ed@example.com", password: "password-123" });
    viewer = new TestClient(db.prisma);
    await (await viewer.api()).auth.signIn({ email: "VI@example.com ", password: "password-123" });
  });
  afterAll(async () => dispose?.());

  it("creates a pipeline with a starter draft, lists and finds it", async () => {
    const api = await editor.api();
    const p = await api.pipelines.create({ slug: "iris", name: "Iris", description: "Classifies iris flowers" });
    expect(p).toMatchObject({ slug: "iris", name: "Iris", archived: false });
    const draft = await api.drafts.get({ slug: "iris" });
    expect(draft.revision).toBe(1);
    expect((draft.graph as { nodes: unknown[] }).nodes.length).toBeGreaterThan(0);
    expect((await api.pipelines.list({ search: "flowers" })).map((x) => x.slug)).toEqual(["iris"]);
    expect(await api.pipelines.list({ search: "nothing-like-this" })).toEqual([]);
  });

  it("refuses a duplicate slug and a malformed slug, changing nothing", async () => {
    const api = await editor.api();
    const before = await db.prisma.pipeline.count();
    const dup = await expectAppError(api.pipelines.create({ slug: "iris", name: "Another" }), "SLUG_TAKEN");
    expect(dup.message).toContain("iris");
    for (const slug of ["Iris", "has space", "-lead", "trail-", "double--hyphen", "", "x".repeat(64), "ünïcode"]) {
      await expectAppError(api.pipelines.create({ slug, name: "Bad" }), "INVALID_SLUG");
    }
    expect(await db.prisma.pipeline.count()).toBe(before);
  });

  it("saves the draft with optimistic concurrency: a stale save is refused and nothing is overwritten", async () => {
    const a = await editor.api();
    const b = await admin.api();
    const draft = await a.drafts.get({ slug: "iris" });
    const graphA = { ...(draft.graph as object), nodes: [{ id: "in", type: "io/input@v1", params: {} }], edges: [] };
    const saved = await a.drafts.save({ slug: "iris", graph: graphA, layout: { nodes: { in: { x: 1, y: 2 } } }, baseRevision: draft.revision });
    expect(saved.revision).toBe(draft.revision + 1);

    const graphB = { ...graphA, nodes: [{ id: "other", type: "io/input@v1", params: {} }] };
    const conflict = await expectAppError(b.drafts.save({ slug: "iris", graph: graphB, layout: {}, baseRevision: draft.revision }), "DRAFT_CONFLICT");
    expect(conflict.message).toContain("ed@example.com");
    const now = await a.drafts.get({ slug: "iris" });
    expect(now.revision).toBe(saved.revision);
    expect(now.graph).toEqual({ ...graphA, nodes: [{ id: "in", type: "io/input@v1", params: {} }] });
    expect(now.layout).toEqual({ nodes: { in: { x: 1, y: 2 } } });
  });

  it("lets exactly one of several concurrent saves from the same revision win", async () => {
    const api = await editor.api();
    const { revision, graph, layout } = await api.drafts.get({ slug: "iris" });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => api.drafts.save({ slug: "iris", graph, layout, baseRevision: revision })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await api.drafts.get({ slug: "iris" })).revision).toBe(revision + 1);
  });

  it("refuses an invalid graph in the draft with every issue listed", async () => {
    const api = await editor.api();
    const { revision } = await api.drafts.get({ slug: "iris" });
    const bad = {
      schemaVersion: 1,
      nodes: [{ id: "a", type: "not a type", params: {} }, { id: "a", type: "io/input@v1" }],
      edges: [{ id: "e", source: { node: "a", port: "x" }, target: { node: "ghost", port: "y" } }],
    };
    const err = await expectAppError(api.drafts.save({ slug: "iris", graph: bad, layout: {}, baseRevision: revision }), "INVALID_GRAPH");
    const issues = (err.cause as unknown as { details: { issues: { path: string; message: string }[] } }).details.issues;
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(["graph.nodes.0.type", "graph.nodes.1.id", "graph.edges.0.target.node"]));
    expect((await api.drafts.get({ slug: "iris" })).revision).toBe(revision);
  });

  it("commits immutable, numbered versions with a canonical content hash", async () => {
    const api = await editor.api();
    const draft = await api.drafts.get({ slug: "iris" });
    const v1 = await api.versions.commit({ slug: "iris", message: "first", draftRevision: draft.revision });
    expect(v1.number).toBe(1);
    const stored = await api.versions.get({ slug: "iris", number: 1 });
    expect(stored.graph).toEqual(draft.graph);
    expect(v1.contentHash).toBe(graphContentHash(stored.graph as never));
    // Same graph with its keys in another order: same hash.
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseKeys) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
    const reordered = reverseKeys(stored.graph) as never;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(stored.graph));
    expect(graphContentHash(reordered)).toBe(v1.contentHash);

    // Moving a node (layout only) leaves the content hash alone.
    await api.drafts.save({ slug: "iris", graph: draft.graph, layout: { nodes: { in: { x: 500, y: 9 } } }, baseRevision: draft.revision });
    const v2 = await api.versions.commit({ slug: "iris", message: "moved a node" });
    expect(v2.number).toBe(2);
    expect(v2.contentHash).toBe(v1.contentHash);

    const list = await api.versions.list({ slug: "iris" });
    expect(list.map((v) => [v.number, v.message, v.author])).toEqual([
      [2, "moved a node", "ed@example.com"],
      [1, "first", "ed@example.com"],
    ]);
    // The database itself refuses to change a version.
    await expect(db.prisma.$executeRaw`UPDATE "PipelineVersion" SET message = 'rewritten'`).rejects.toThrow(/immutable/);
    expect((await api.versions.get({ slug: "iris", number: 1 })).message).toBe("first");
  });

  it("restores a version into the draft, through the same conflict check", async () => {
    const api = await editor.api();
    const v1 = await api.versions.get({ slug: "iris", number: 1 });
    const d = await api.drafts.get({ slug: "iris" });
    await api.drafts.save({ slug: "iris", graph: { schemaVersion: 1, nodes: [], edges: [] }, layout: {}, baseRevision: d.revision });
    await expectAppError(api.drafts.restore({ slug: "iris", version: 1, baseRevision: d.revision }), "DRAFT_CONFLICT");
    const restored = await api.drafts.restore({ slug: "iris", version: 1, baseRevision: d.revision + 1 });
    const now = await api.drafts.get({ slug: "iris" });
    expect(now.revision).toBe(restored.revision);
    expect(now.graph).toEqual(v1.graph);
    expect(now.layout).toEqual(v1.layout);
    expect(now.updatedBy).toBe("ed@example.com");
  });

  it("gives concurrent commits consecutive numbers", async () => {
    const api = await editor.api();
    const before = (await api.pipelines.get({ slug: "iris" })).versionCount;
    const made = await Promise.all(Array.from({ length: 4 }, (_, i) => api.versions.commit({ slug: "iris", message: `c${i}` })));
    expect(made.map((v) => v.number).sort((x, y) => x - y)).toEqual([before + 1, before + 2, before + 3, before + 4]);
  });

  it("refuses to commit an invalid graph or a stale draft, creating no version", async () => {
    const api = await editor.api();
    await api.pipelines.create({ slug: "empty", name: "Empty" });
    const d = await api.drafts.get({ slug: "empty" });
    await api.drafts.save({ slug: "empty", graph: { schemaVersion: 1, nodes: [], edges: [] }, layout: {}, baseRevision: d.revision });
    await expectAppError(api.versions.commit({ slug: "empty", message: "nothing" }), "INVALID_GRAPH");
    await expectAppError(api.versions.commit({ slug: "empty", message: "stale", draftRevision: d.revision }), "DRAFT_CONFLICT");
    await expectAppError(api.versions.commit({ slug: "empty", message: "   " }), "INVALID_INPUT");
    expect(await api.versions.list({ slug: "empty" })).toEqual([]);
    expect((await api.pipelines.get({ slug: "empty" })).versionCount).toBe(0);
  });

  it("moves aliases atomically and records who moved them, from where to where", async () => {
    const api = await editor.api();
    expect(await api.aliases.set({ slug: "iris", alias: "production", version: 1 })).toMatchObject({ previous: null });
    expect(await api.aliases.set({ slug: "iris", alias: "production", version: 2 })).toMatchObject({ previous: 1 });
    await api.aliases.set({ slug: "iris", alias: "canary-eu", version: 1 });
    expect((await api.aliases.list({ slug: "iris" })).map((a) => [a.name, a.version])).toEqual([
      ["canary-eu", 1],
      ["production", 2],
    ]);
    await expectAppError(api.aliases.set({ slug: "iris", alias: "production", version: 99 }), "NOT_FOUND");
    await expectAppError(api.aliases.set({ slug: "iris", alias: "Prod Uction", version: 1 }), "INVALID_ALIAS");
    expect((await api.aliases.list({ slug: "iris" })).find((a) => a.name === "production")?.version).toBe(2);

    const audit = await api.audit.list({ slug: "iris", limit: 50 });
    const moves = audit.items.filter((i) => i.action === "alias.set" && (i.details as { alias?: string }).alias === "production");
    expect(moves.map((m) => [m.actorEmail, (m.details as { from: number | null }).from, (m.details as { to: number }).to])).toEqual([
      ["ed@example.com", 1, 2],
      ["ed@example.com", null, 1],
    ]);
    expect(audit.items.map((i) => i.action)).toEqual(expect.arrayContaining(["pipeline.create", "version.commit", "alias.set"]));
  });

  it("renames and archives; an archived pipeline is hidden and read-only until unarchived", async () => {
    const api = await editor.api();
    await api.pipelines.rename({ slug: "iris", name: "Iris v2", description: "Better" });
    expect(await api.pipelines.get({ slug: "iris" })).toMatchObject({ name: "Iris v2", description: "Better" });
    await api.pipelines.archive({ slug: "empty", archived: true });
    expect((await api.pipelines.list({})).map((p) => p.slug)).not.toContain("empty");
    expect((await api.pipelines.list({ includeArchived: true })).map((p) => p.slug)).toContain("empty");
    await expectAppError(api.versions.commit({ slug: "empty", message: "x" }), "PIPELINE_ARCHIVED");
    await api.pipelines.archive({ slug: "empty", archived: false });
    expect((await api.pipelines.list({})).map((p) => p.slug)).toContain("empty");
  });

  it("lets a viewer read but not write, and changes nothing", async () => {
    const api = await viewer.api();
    expect((await api.pipelines.list({})).length).toBeGreaterThan(0);
    const draft = await api.drafts.get({ slug: "iris" });
    const versions = await db.prisma.pipelineVersion.count();
    await expectAppError(api.pipelines.create({ slug: "by-viewer", name: "x" }), "FORBIDDEN");
    await expectAppError(api.pipelines.rename({ slug: "iris", name: "hijacked" }), "FORBIDDEN");
    await expectAppError(api.pipelines.archive({ slug: "iris", archived: true }), "FORBIDDEN");
    await expectAppError(api.drafts.save({ slug: "iris", graph: draft.graph, layout: draft.layout, baseRevision: draft.revision }), "FORBIDDEN");
    await expectAppError(api.versions.commit({ slug: "iris", message: "x" }), "FORBIDDEN");
    await expectAppError(api.aliases.set({ slug: "iris", alias: "production", version: 1 }), "FORBIDDEN");
    await expectAppError(api.users.list(), "FORBIDDEN");
    expect(await db.prisma.pipelineVersion.count()).toBe(versions);
    expect((await api.drafts.get({ slug: "iris" })).revision).toBe(draft.revision);
    expect((await api.pipelines.get({ slug: "iris" })).name).toBe("Iris v2");
  });

  it("refuses every protected procedure without a session", async () => {
    const anon = await new TestClient(db.prisma).api();
    await expectAppError(anon.pipelines.list({}), "UNAUTHENTICATED");
    await expectAppError(anon.drafts.get({ slug: "iris" }), "UNAUTHENTICATED");
    await expectAppError(anon.versions.commit({ slug: "iris", message: "x" }), "UNAUTHENTICATED");
    await expectAppError(anon.auth.me(), "UNAUTHENTICATED");
    // Signing out needs no session: it only clears the cookie.
    expect(await anon.auth.signOut()).toEqual({ ok: true });
    expect(await anon.auth.setupStatus()).toEqual({ needsSetup: false });
  });

  it("returns NOT_FOUND for unknown pipelines and versions", async () => {
    const api = await viewer.api();
    await expectAppError(api.pipelines.get({ slug: "nope" }), "NOT_FOUND");
    await expectAppError(api.versions.get({ slug: "iris", number: 999 }), "NOT_FOUND");
  });
});
