import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@/server/api/root.ts";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";

/** The only procedures a caller without a session may use. */
const PUBLIC_PROCEDURES = new Set(["auth.setupStatus", "auth.setup", "auth.signIn", "auth.signOut"]);
/** Probes must answer without credentials (load balancers, Kubernetes). */
const PUBLIC_ROUTES = new Set(["GET /healthz", "GET /readyz", "GET /v2/health/live", "GET /v2/health/ready", "GET /v2"]);

describe("route sweep: every API route refuses an unauthenticated call", () => {
  let h: TServingHarness;
  beforeAll(async () => {
    h = await startServingHarness();
    const api = await h.admin.api();
    await api.pipelines.create({ slug: "p", name: "P" });
    await api.versions.commit({ slug: "p", message: "v1" });
    await api.aliases.set({ slug: "p", alias: "production", version: 1 });
  });
  afterAll(async () => h?.close());

  it("every tRPC procedure but setup/sign-in answers 401 without a session", async () => {
    const procedures = Object.entries((appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string } }> } })._def.procedures);
    expect(procedures.length).toBeGreaterThan(30);
    const open: string[] = [];
    for (const [path, proc] of procedures) {
      const isQuery = proc._def.type === "query";
      const res = await fetch(`${h.base}/api/trpc/${path}${isQuery ? `?input=${encodeURIComponent("{}")}` : ""}`, isQuery ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      if (res.status !== 401) open.push(`${path} → ${res.status}`);
    }
    // Exactly the public procedures answer something else (setup: 409 already done; sign-in: 400/401 bad input).
    expect(open.map((o) => o.split(" ")[0]).sort()).toEqual([...PUBLIC_PROCEDURES].sort());
    expect(open.filter((o) => !PUBLIC_PROCEDURES.has(o.split(" ")[0]!))).toEqual([]);
  });

  it("every serving route answers 401 without an API key (health probes excepted)", async () => {
    const routes: [string, string][] = [
      ["POST", "/api/v1/pipelines/p/invoke"],
      ["POST", "/api/v1/pipelines/p@production/invoke"],
      ["POST", "/api/v1/pipelines/p/versions/1/invoke"],
      ["GET", "/api/v1/pipelines/p/openapi.json"],
      ["GET", "/api/v1/pipelines/p@production/openapi.json"],
      ["GET", "/api/v1/pipelines/p/versions/1/openapi.json"],
      ["GET", "/api/v1/openapi.json"],
      ["GET", "/v2/models/p"],
      ["GET", "/v2/models/p/versions/1"],
      ["GET", "/v2/models/p/ready"],
      ["GET", "/v2/models/p/versions/1/ready"],
      ["POST", "/v2/models/p/infer"],
      ["POST", "/v2/models/p/versions/1/infer"],
      ["POST", "/api/models?name=x"],
      ["POST", "/api/assets?slug=p&name=x.txt"],
    ];
    for (const [method, path] of routes) {
      const res = await fetch(`${h.base}${path}`, { method, ...(method === "POST" ? { headers: { "content-type": "application/json" }, body: "{}" } : {}) });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get("content-type"), `${method} ${path}`).toBe("application/problem+json");
    }
    for (const r of PUBLIC_ROUTES) {
      const [method, path] = r.split(" ") as [string, string];
      expect((await fetch(`${h.base}${path}`, { method })).status, r).toBe(200);
    }
  });
});
