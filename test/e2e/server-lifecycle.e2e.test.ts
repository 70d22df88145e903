import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freshPostgresDatabase } from "../helpers/databases.ts";
import { httpClient, startServer } from "../helpers/server-process.ts";

// Runs the real `npm start` entry point (needs the production build that `npm test` makes first).
const PORT = Number(process.env.E2E_LIFECYCLE_PORT ?? 3220);
const ADMIN = { ADMIN_EMAIL: "ops@example.com", ADMIN_PASSWORD: "headless-password" };

describe("server process on the embedded database", () => {
  let dataDir = "";
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("bootstraps the admin from the environment, keeps data across a SIGTERM restart, and shuts down cleanly", async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "inferline-e2e-"));
    const first = await startServer(PORT, { DATA_DIR: dataDir, DATABASE_URL: undefined, ...ADMIN });
    const c1 = httpClient(first.url);
    expect((await c1.query("auth.setupStatus")).body.result?.data).toEqual({ needsSetup: false });
    expect((await c1.mutate("auth.signIn", { email: ADMIN.ADMIN_EMAIL, password: ADMIN.ADMIN_PASSWORD })).status).toBe(200);
    expect((await c1.mutate("pipelines.create", { slug: "before-restart", name: "Before restart" })).status).toBe(200);
    expect(await first.stop()).toBe(0);
    expect(first.output()).toContain("SIGTERM: shutting down");

    const second = await startServer(PORT, { DATA_DIR: dataDir, DATABASE_URL: undefined, ...ADMIN });
    try {
      expect(second.output()).toContain("migrations up to date");
      expect(second.output()).not.toContain("created admin");
      const c2 = httpClient(second.url);
      await c2.mutate("auth.signIn", { email: ADMIN.ADMIN_EMAIL, password: ADMIN.ADMIN_PASSWORD });
      expect((await c2.mutate("pipelines.create", { slug: "after-restart", name: "After restart" })).status).toBe(200);
      const list = (await c2.query("pipelines.list", {})).body.result?.data as { slug: string }[];
      expect(list.map((p) => p.slug).sort()).toEqual(["after-restart", "before-restart"]);
      // Audit ids come from a sequence: consecutive ids show the restart did no crash recovery.
      const audit = (await c2.query("audit.list", { limit: 10 })).body.result?.data as { items: { id: string; action: string }[] };
      const ids = audit.items.map((i) => Number(i.id));
      expect(ids).toEqual([3, 2, 1]);
      expect((await fetch(`${second.url}/`, { redirect: "manual" })).status).toBe(307);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});

describe("server process on a PostgreSQL server (DATABASE_URL)", () => {
  it("migrates the database on start and serves the API from it", async () => {
    const fresh = await freshPostgresDatabase();
    const server = await startServer(PORT + 1, { DATABASE_URL: fresh.url, DATA_DIR: undefined, ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined });
    try {
      expect(server.output()).toContain("applied migrations");
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: "ready", database: "postgres" });
      const c = httpClient(server.url);
      expect((await c.query("auth.setupStatus")).body.result?.data).toEqual({ needsSetup: true });
      expect((await c.mutate("auth.setup", { email: "admin@example.com", name: "Admin", password: "password-123" })).status).toBe(200);
      expect((await c.mutate("pipelines.create", { slug: "on-postgres", name: "On PostgreSQL" })).status).toBe(200);
      expect((await c.mutate("versions.commit", { slug: "on-postgres", message: "v1" })).body.result?.data).toMatchObject({ number: 1 });
      const wrong = await httpClient(server.url).mutate("auth.signIn", { email: "admin@example.com", password: "nope-nope" });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error?.data.appCode).toBe("INVALID_CREDENTIALS");
    } finally {
      expect(await server.stop()).toBe(0);
      await fresh.drop();
    }
  });
});
