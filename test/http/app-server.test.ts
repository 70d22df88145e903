import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/server/db/client.ts";
import { createAppServer } from "@/server/http/app-server.ts";
import { SESSION_CONFIG } from "../helpers/clients.ts";
import { testEngine } from "../helpers/engine.ts";

/** The lean HTTP path, over real sockets: health, readiness, tRPC with cookies, and its guards. */
describe("app server (lean path in front of Next)", () => {
  let db: Database;
  let server: Server;
  let base: string;
  const nextCalls: string[] = [];

  beforeAll(async () => {
    db = await openDatabase({ kind: "pglite", dataDir: "memory://" });
    server = createAppServer({
      db,
      context: { sessionConfig: SESSION_CONFIG, secureCookies: false, engine: testEngine() },
      maxBodyBytes: 64 * 1024,
      next: (req, res) => {
        nextCalls.push(req.url ?? "");
        res.writeHead(200, { "content-type": "text/html" }).end("<html>next</html>");
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await db.close();
  });

  const trpc = (proc: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/trpc/${proc}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  it("answers /healthz and /readyz itself, and hands pages to Next", async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", database: "pglite" });
    expect(nextCalls).toEqual([]);
    expect(await (await fetch(`${base}/pipelines`)).text()).toContain("next");
    expect(nextCalls).toEqual(["/pipelines"]);
  });

  it("sets an httpOnly SameSite session cookie on setup and accepts it afterwards", async () => {
    const setup = await trpc("auth.setup", { email: "ada@example.com", name: "Ada", password: "correct horse" });
    expect(setup.status).toBe(200);
    const cookie = setup.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^inferline_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const token = cookie.split(";")[0]!;
    const me = await fetch(`${base}/api/trpc/auth.me`, { headers: { cookie: token } });
    expect((await me.json()).result.data.email).toBe("ada@example.com");

    const anon = await fetch(`${base}/api/trpc/pipelines.list`);
    expect(anon.status).toBe(401);
    expect((await anon.json()).error.data.appCode).toBe("UNAUTHENTICATED");

    const out = await trpc("auth.signOut", {}, { cookie: token });
    expect(out.headers.get("set-cookie")).toMatch(/^inferline_session=; .*Max-Age=0/);
    expect((await fetch(`${base}/api/trpc/auth.me`, { headers: { cookie: token } })).status).toBe(401);
  });

  it("sends coded errors with a readable message and no stack", async () => {
    const res = await trpc("auth.signIn", { email: "ada@example.com", password: "wrong-password" });
    expect(res.status).toBe(401);
    const { error } = await res.json();
    expect(error.message).toBe("Wrong email or password.");
    expect(error.data.appCode).toBe("INVALID_CREDENTIALS");
    expect(error.data.stack).toBeUndefined();

    const bad = await trpc("auth.signIn", { email: 42 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.data.appCode).toBe("INVALID_INPUT");
  });

  it("refuses cross-origin writes (CSRF) and oversized bodies", async () => {
    const csrf = await trpc("auth.signIn", { email: "ada@example.com", password: "correct horse" }, { origin: "https://evil.example" });
    expect(csrf.status).toBe(403);
    expect(csrf.headers.get("content-type")).toBe("application/problem+json");
    expect((await csrf.json()).code).toBe("FORBIDDEN");

    const huge = await trpc("auth.signIn", { email: "a@example.com", password: "x".repeat(100 * 1024) });
    expect(huge.status).toBe(413);
  });

  it("reports not ready (503 problem+json) once the database is gone", async () => {
    const other = await openDatabase({ kind: "pglite", dataDir: "memory://" });
    const s = createAppServer({ db: other, context: { sessionConfig: SESSION_CONFIG, secureCookies: false, engine: testEngine() }, next: (_q, r) => void r.end() });
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      await other.close();
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({ status: 503, code: "NOT_READY" });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});
