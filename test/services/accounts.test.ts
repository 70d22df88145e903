import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { bootstrapAdmin } from "@/server/services/auth/setup.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { expectAppError, TestClient } from "../helpers/clients.ts";

describe.each(BACKENDS)("accounts and sessions on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
  });
  afterAll(async () => dispose?.());

  it("runs first-time setup once, even when two setups race", async () => {
    const anon = await new TestClient(db.prisma).api();
    expect(await anon.auth.setupStatus()).toEqual({ needsSetup: true });
    await expectAppError(anon.auth.setup({ email: "not-an-email", name: "x", password: "password-1" }), "INVALID_INPUT");
    await expectAppError(anon.auth.setup({ email: "a@example.com", name: "x", password: "short" }), "INVALID_INPUT");

    const a = new TestClient(db.prisma);
    const b = new TestClient(db.prisma);
    const results = await Promise.allSettled([
      (await a.api()).auth.setup({ email: "first@example.com", name: "First", password: "password-1" }),
      (await b.api()).auth.setup({ email: "second@example.com", name: "Second", password: "password-2" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.prisma.user.count()).toBe(1);
    const winner = results[0]?.status === "fulfilled" ? a : b;
    expect((await (await winner.api()).auth.me())?.role).toBe("admin");
    await expectAppError((await new TestClient(db.prisma).api()).auth.setup({ email: "late@example.com", name: "x", password: "password-3" }), "SETUP_ALREADY_DONE");
    expect(await bootstrapAdmin({ db: db.prisma }, { email: "env@example.com", password: "password-4" })).toBe(false);
  });

  it("stores passwords as Argon2id hashes, never in clear", async () => {
    const users = await db.prisma.user.findMany({ select: { passwordHash: true } });
    for (const u of users) expect(u.passwordHash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
  });

  it("signs in, refuses a wrong password or unknown email with the same error, signs out", async () => {
    const admin = (await db.prisma.user.findFirstOrThrow({ select: { email: true } })).email;
    const password = admin === "first@example.com" ? "password-1" : "password-2";
    const c = new TestClient(db.prisma);
    await expectAppError((await c.api()).auth.signIn({ email: admin, password: "wrong-password" }), "INVALID_CREDENTIALS");
    const unknown = await expectAppError((await c.api()).auth.signIn({ email: "ghost@example.com", password }), "INVALID_CREDENTIALS");
    expect(unknown.message).toBe("Wrong email or password.");
    expect(c.cookie).toBeUndefined();

    const user = await (await c.api()).auth.signIn({ email: admin.toUpperCase(), password });
    expect(user.email).toBe(admin);
    expect(c.cookie).toMatch(/^inferline_session=[A-Za-z0-9_-]{43}$/);
    // Only a digest of the token is stored.
    const token = c.cookie!.split("=")[1]!;
    expect(await db.prisma.session.count({ where: { id: token } })).toBe(0);
    expect((await (await c.api()).auth.me())?.email).toBe(admin);

    const stolen = c.cookie;
    await (await c.api()).auth.signOut();
    expect(c.cookie).toBeUndefined();
    const replay = new TestClient(db.prisma);
    replay.cookie = stolen;
    await expectAppError((await replay.api()).auth.me(), "UNAUTHENTICATED");
  });

  it("expires sessions", async () => {
    const admin = await db.prisma.user.findFirstOrThrow({ select: { email: true } });
    await db.prisma.session.deleteMany();
    const c = new TestClient(db.prisma);
    await (await c.api()).auth.signIn({ email: admin.email, password: admin.email === "first@example.com" ? "password-1" : "password-2" });
    await db.prisma.session.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    await expectAppError((await c.api()).auth.me(), "UNAUTHENTICATED");
    expect(await db.prisma.session.count()).toBe(0);
  });

  it("lets admins manage users; demoting ends the user's sessions; the last admin stays admin", async () => {
    const adminUser = await db.prisma.user.findFirstOrThrow({ where: { role: "admin" } });
    const admin = new TestClient(db.prisma);
    await (await admin.api()).auth.signIn({ email: adminUser.email, password: adminUser.email === "first@example.com" ? "password-1" : "password-2" });
    const api = await admin.api();
    const ed = await api.users.create({ email: "ed@example.com", name: "Ed", password: "password-ed", role: "editor" });
    await expectAppError(api.users.create({ email: "ED@example.com", name: "Ed again", password: "password-ed", role: "viewer" }), "EMAIL_TAKEN");
    await expectAppError(api.users.setRole({ userId: adminUser.id, role: "viewer" }), "LAST_ADMIN");

    const edClient = new TestClient(db.prisma);
    await (await edClient.api()).auth.signIn({ email: "ed@example.com", password: "password-ed" });
    await expectAppError((await edClient.api()).users.create({ email: "x@example.com", name: "x", password: "password-x", role: "admin" }), "FORBIDDEN");
    await api.users.setRole({ userId: ed.id, role: "viewer" });
    await expectAppError((await edClient.api()).auth.me(), "UNAUTHENTICATED");
    expect((await api.users.list()).map((u) => [u.email, u.role])).toEqual(expect.arrayContaining([["ed@example.com", "viewer"]]));
  });
});

describe("headless admin bootstrap", () => {
  it("creates the admin from ADMIN_EMAIL/ADMIN_PASSWORD on an empty database only", async () => {
    const { db, dispose } = await BACKENDS[1]!.open();
    try {
      expect(await bootstrapAdmin({ db: db.prisma }, { email: "Ops@Example.com", password: "password-ops" })).toBe(true);
      expect(await bootstrapAdmin({ db: db.prisma }, { email: "other@example.com", password: "password-ops" })).toBe(false);
      const c = new TestClient(db.prisma);
      expect((await (await c.api()).auth.signIn({ email: "ops@example.com", password: "password-ops" })).role).toBe("admin");
    } finally {
      await dispose();
    }
  });
});
