import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAppError, TestClient } from "../helpers/clients.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";

/**
 * pipelines.openapi: the docs page reads a pipeline's OpenAPI document with the app session (it has no API
 * key). It must be the very document the serving path publishes at …/openapi.json, with the server URL the
 * browser passes.
 */
describe("pipelines.openapi over tRPC", () => {
  let h: TServingHarness;
  let key: string;

  beforeAll(async () => {
    h = await startServingHarness();
    const api = await h.admin.api();
    await api.pipelines.create({ slug: "toy", name: "Toy classifier", description: "Left or right." });
    const d = await api.drafts.get({ slug: "toy" });
    await api.drafts.save({ slug: "toy", graph: toyClassifierGraph(), layout: {}, baseRevision: d.revision });
    await api.versions.commit({ slug: "toy", message: "v1" });
    await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
    await api.aliases.set({ slug: "toy", alias: "staging", version: 1 });
    key = (await api.apiKeys.create({ name: "docs", pipelines: [] })).key;
  });
  afterAll(async () => h?.close());

  const served = async (path: string) => {
    const res = await fetch(`${h.base}${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };

  it("returns the served document for production, an alias and a version, with the browser's origin", async () => {
    const api = await h.admin.api();
    const cases = [
      { target: { alias: "production" }, path: "/api/v1/pipelines/toy/openapi.json", invoke: "/api/v1/pipelines/toy/invoke" },
      { target: { alias: "staging" }, path: "/api/v1/pipelines/toy@staging/openapi.json", invoke: "/api/v1/pipelines/toy@staging/invoke" },
      { target: { version: 1 }, path: "/api/v1/pipelines/toy/versions/1/openapi.json", invoke: "/api/v1/pipelines/toy/versions/1/invoke" },
    ];
    const validator = new Validator();
    for (const c of cases) {
      const doc = await api.pipelines.openapi({ slug: "toy", target: c.target, serverUrl: h.base });
      expect(doc).toEqual(await served(c.path));
      expect(Object.keys(doc.paths as object)).toEqual([c.invoke]);
      const result = await validator.validate(doc);
      expect(result.errors ?? [], c.path).toEqual([]);
    }
  });

  it("defaults to production and a relative server URL; keeps only the origin of what it is given", async () => {
    const api = await h.admin.api();
    const doc = await api.pipelines.openapi({ slug: "toy" });
    expect(doc.servers).toEqual([{ url: "/" }]);
    expect(Object.keys(doc.paths as object)).toEqual(["/api/v1/pipelines/toy/invoke"]);
    expect((await new Validator().validate(doc)).valid).toBe(true);
    const withPath = await api.pipelines.openapi({ slug: "toy", serverUrl: "https://models.example.com/some/page?q=1" });
    expect(withPath.servers).toEqual([{ url: "https://models.example.com" }]);
    await expectAppError(api.pipelines.openapi({ slug: "toy", serverUrl: "javascript:alert(1)" }), "INVALID_INPUT");
  });

  it("names what is missing: pipeline, alias, version", async () => {
    const api = await h.admin.api();
    expect((await expectAppError(api.pipelines.openapi({ slug: "nope" }), "NOT_FOUND")).message).toContain("nope");
    expect((await expectAppError(api.pipelines.openapi({ slug: "toy", target: { alias: "canary" } }), "NOT_FOUND")).message).toContain("canary");
    expect((await expectAppError(api.pipelines.openapi({ slug: "toy", target: { version: 9 } }), "NOT_FOUND")).message).toContain("version 9");
  });

  it("needs a session, and viewers may read it", async () => {
    const anonymous = new TestClient(h.db.prisma);
    await expectAppError((await anonymous.api()).pipelines.openapi({ slug: "toy" }), "UNAUTHENTICATED");

    await (await h.admin.api()).users.create({ email: "viewer@example.com", name: "Viewer", password: "password-viewer", role: "viewer" });
    const viewer = new TestClient(h.db.prisma);
    await (await viewer.api()).auth.signIn({ email: "viewer@example.com", password: "password-viewer" });
    const doc = await (await viewer.api()).pipelines.openapi({ slug: "toy", target: { version: 1 } });
    expect((doc.info as { title: string }).title).toBe("Toy classifier (toy)");
  });
});
