import type { IncomingMessage } from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientAddress } from "@/server/api/context.ts";
import { openDatabase, type Database } from "@/server/db/client.ts";
import { DEFAULT_SIGN_IN_LIMITS } from "@/server/services/auth/sign-in-limiter.ts";
import type { TInvocationLog } from "@/server/services/invocations/invocation-writer.ts";
import { InvocationWriter } from "@/server/services/invocations/invocation-writer.ts";
import { testEngine } from "../helpers/engine.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { call, expectTrpcError, expectUnchanged, PASSWORDS, snapshot, startSweep, trpc, type TSweep } from "./harness.ts";

/**
 * Issue 13, item 5 (limits): sign-in brute force is refused per account and per client address (429
 * TOO_MANY_ATTEMPTS with Retry-After, the right password included, no session made), and a client that trickles
 * its headers or body gets 408 REQUEST_TIMEOUT and a closed socket within the configured deadline on every
 * route that reads a body — not a socket held open. PGlite only: the limits live in the server process.
 */
const LIMITS = { requestTimeoutMs: 1500, headersTimeoutMs: 1000 };
const SLOW_FINISH_MS = 2000;

describe("limits sweep (PGlite)", () => {
  let db: Database;
  let h: TSweep;
  let writer: InvocationWriter;

  beforeAll(async () => {
    db = await openDatabase({ kind: "pglite", dataDir: "memory://" });
    writer = new InvocationWriter(db.prisma, { runningAfterMs: 3_600_000 });
    // Every run's log commit takes 2 s: an answer may take longer than the request deadline (it only covers receiving).
    const slow: TInvocationLog = { begin: (r) => writer.begin(r), finish: async (id, c) => (await new Promise((r) => setTimeout(r, SLOW_FINISH_MS)), writer.finish(id, c)) };
    h = await startSweep({ db, url: undefined, engine: testEngine(undefined, { invocations: slow }), connection: LIMITS, trustProxy: true });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await writer?.close();
    await db?.close();
  });

  const signIn = (email: string, password: string, address: string) =>
    trpc(h.base, "mutation", "auth.signIn", { email, password }, { "x-forwarded-for": address });

  async function expectLocked(email: string, password: string, address: string, scope: RegExp) {
    const c = await signIn(email, password, address);
    expectTrpcError(c, 429, "TOO_MANY_ATTEMPTS", `${email} from ${address}`);
    const retry = Number(c.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(DEFAULT_SIGN_IN_LIMITS.windowSeconds);
    expect((c.body as { error: { message: string; data: { details: unknown } } }).error.message).toMatch(scope);
    expect((c.body as { error: { data: { details: unknown } } }).error.data.details).toEqual({ retryAfterSeconds: retry });
    expect(c.headers.get("set-cookie")).toBeNull();
  }

  it("per account: 10 failures, then the 11th attempt is 429 with Retry-After — the right password too, from any address", async () => {
    const sessions = await db.prisma.session.count();
    for (let i = 1; i <= DEFAULT_SIGN_IN_LIMITS.perAccount; i++) expectTrpcError(await signIn("viewer@example.com", `wrong-${i}`, "10.0.1.1"), 401, "INVALID_CREDENTIALS", `attempt ${i}`);
    await expectLocked("viewer@example.com", "wrong-11", "10.0.1.1", /for this account/);
    await expectLocked("viewer@example.com", PASSWORDS.viewer, "10.0.1.1", /for this account/);
    await expectLocked(" VIEWER@example.com", PASSWORDS.viewer, "10.0.1.2", /for this account/); // same account, other address, other spelling
    expect(await db.prisma.session.count()).toBe(sessions);
    // Another account from the same address is not locked.
    expect((await signIn("editor@example.com", PASSWORDS.editor, "10.0.1.1")).status).toBe(200);
  });

  it("a successful sign-in clears the account's failures", async () => {
    for (let i = 0; i < DEFAULT_SIGN_IN_LIMITS.perAccount - 1; i++) expect((await signIn("editor@example.com", "wrong", "10.0.2.1")).status).toBe(401);
    expect((await signIn("editor@example.com", PASSWORDS.editor, "10.0.2.1")).status).toBe(200);
    for (let i = 0; i < DEFAULT_SIGN_IN_LIMITS.perAccount; i++) expect((await signIn("editor@example.com", "wrong", "10.0.2.2")).status).toBe(401);
    await expectLocked("editor@example.com", PASSWORDS.editor, "10.0.2.2", /for this account/);
  });

  it("per address: 30 failures over many accounts lock that address (real accounts included), not others; X-Forwarded-For's forged first hops are ignored", async () => {
    for (let i = 0; i < DEFAULT_SIGN_IN_LIMITS.perAddress; i++) expectTrpcError(await signIn(`nobody-${i}@example.com`, "guess", "10.0.3.1"), 401, "INVALID_CREDENTIALS", `spray ${i}`);
    await expectLocked("admin@example.com", PASSWORDS.admin, "10.0.3.1", /from this address/);
    // The proxy appends the address it saw: what the client put before it is not the client's address.
    const forged = await trpc(h.base, "mutation", "auth.signIn", { email: "admin@example.com", password: PASSWORDS.admin }, { "x-forwarded-for": "203.0.113.9, 10.0.3.1" });
    expectTrpcError(forged, 429, "TOO_MANY_ATTEMPTS", "forged first hop");
    expect((await signIn("admin@example.com", PASSWORDS.admin, "10.0.3.2")).status).toBe(200);
  });

  it("parallel guesses cannot overrun the budget: 25 at once on one account → exactly 10 checked, 15 refused", async () => {
    const api = await h.admin.api();
    await api.users.create({ email: "target@example.com", name: "T", password: "password-target", role: "viewer" });
    const all = await Promise.all(Array.from({ length: 25 }, (_, i) => signIn("target@example.com", `guess-${i}`, `10.0.4.${i}`)));
    expect(all.filter((c) => c.status === 401)).toHaveLength(DEFAULT_SIGN_IN_LIMITS.perAccount);
    expect(all.filter((c) => c.status === 429 && c.body.code === "TOO_MANY_ATTEMPTS")).toHaveLength(25 - DEFAULT_SIGN_IN_LIMITS.perAccount);
  });

  it("the client address is the socket's unless TRUST_PROXY: then X-Forwarded-For's last entry", () => {
    const req = (xff: string | undefined, remote = "::ffff:192.0.2.7") => ({ headers: xff === undefined ? {} : { "x-forwarded-for": xff }, socket: { remoteAddress: remote } }) as unknown as IncomingMessage;
    expect(clientAddress(req("203.0.113.1"), false)).toBe("192.0.2.7");
    expect(clientAddress(req("203.0.113.1, 198.51.100.2 "), true)).toBe("198.51.100.2");
    expect(clientAddress(req(undefined), true)).toBe("192.0.2.7");
    expect(clientAddress(req(undefined, "2001:db8::1"), false)).toBe("2001:db8::1");
  });

  /** A raw client that sends `head` and then one byte of body every 100 ms; resolves with what came back and when. */
  function trickle(head: string, bodyByte: string | null): Promise<{ ms: number; response: string; closed: boolean }> {
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const [host, port] = h.host.split(":") as [string, string];
      const socket = net.connect(Number(port), host);
      let response = "";
      let timer: NodeJS.Timeout | undefined;
      const giveUp = setTimeout(() => {
        socket.destroy();
        resolve({ ms: Date.now() - t0, response, closed: false });
      }, 10_000);
      socket.on("connect", () => {
        socket.write(head);
        timer = setInterval(() => socket.writable && socket.write(bodyByte ?? "X-Slow: 1\r\n"), 100);
      });
      socket.on("data", (d: Buffer) => (response += d.toString()));
      socket.on("error", () => {}); // writes after the server closed
      socket.on("close", () => {
        clearInterval(timer);
        clearTimeout(giveUp);
        resolve({ ms: Date.now() - t0, response, closed: true });
      });
      socket.on("timeout", reject);
    });
  }

  it("slow bodies and slow headers get 408 REQUEST_TIMEOUT and a closed socket within the deadline, on every route that reads a body; nothing changes", async () => {
    const before = await snapshot(db);
    const auth = { rest: `Authorization: Bearer ${h.key}`, app: `Cookie: ${h.cookies.admin}` };
    const routes: [string, string, string][] = [
      ["POST /api/v1/pipelines/toy/invoke", "application/json", auth.rest],
      ["POST /v2/models/toy/infer", "application/json", auth.rest],
      ["POST /api/v1/pipelines/toy/batches", "text/csv", auth.rest],
      ["POST /api/trpc/drafts.save", "application/json", auth.app],
      ["POST /api/models?name=slow", "application/octet-stream", auth.app],
      ["POST /api/datasets?slug=toy&format=jsonl", "application/octet-stream", auth.app],
    ];
    const results = await Promise.all([
      ...routes.map(([line, type, credentials]) => trickle(`${line} HTTP/1.1\r\nHost: ${h.host}\r\n${credentials}\r\nContent-Type: ${type}\r\nContent-Length: 100000\r\n\r\n`, "{")),
      trickle(`GET /healthz HTTP/1.1\r\nHost: ${h.host}\r\n`, null), // headers that never end
    ]);
    const names = [...routes.map((r) => r[0]), "slow headers"];
    results.forEach((r, i) => {
      expect({ what: names[i], closed: r.closed, status: r.response.split("\r\n", 1)[0] }).toEqual({ what: names[i], closed: true, status: "HTTP/1.1 408 Request Timeout" });
      const deadline = names[i] === "slow headers" ? LIMITS.headersTimeoutMs : LIMITS.requestTimeoutMs;
      expect(r.ms, names[i]).toBeGreaterThanOrEqual(deadline - 50);
      expect(r.ms, names[i]).toBeLessThan(deadline + 1500);
      expect(r.response, names[i]).toContain("Content-Type: application/problem+json");
      expect(JSON.parse(r.response.slice(r.response.indexOf("\r\n\r\n") + 4)), names[i]).toMatchObject({ status: 408, code: "REQUEST_TIMEOUT" });
    });
    await expectUnchanged(db, before); // the aborted dataset uploads' rows are removed once their bodies fail
  });

  it("the deadline covers receiving the request only: an answer that takes longer than it still arrives", async () => {
    const t0 = Date.now();
    const c = await call(h.base, "POST", "/api/v1/pipelines/toy/invoke", { flower: { a: 1, b: 2 } }, { authorization: `Bearer ${h.key}` });
    expect(c.status, c.text).toBe(200);
    expect(Date.now() - t0).toBeGreaterThan(LIMITS.requestTimeoutMs);
    // And the editor still works normally (a full request well within the deadline).
    const d = await trpc(h.base, "query", "drafts.get", { slug: "toy" }, { cookie: h.cookies.editor });
    expect(d.status).toBe(200);
    expect((d.body as { result: { data: { graph: unknown } } }).result.data.graph).toEqual(toyClassifierGraph());
  });
});
