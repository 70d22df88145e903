import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/server/db/client.ts";
import { createAppServer } from "@/server/http/app-server.ts";
import { SESSION_CONFIG, TestClient } from "../helpers/clients.ts";
import { testEngine } from "../helpers/engine.ts";
import { addModel, int4OutputModel, linearModel } from "../helpers/onnx-builder.ts";
import { expectProblem } from "../helpers/problem.ts";

const MAX_BYTES = 16 * 1024;

/** POST /api/models over real sockets: streaming upload on the lean path, session cookie, problem+json. */
describe("model upload (POST /api/models)", () => {
  let db: Database;
  let server: Server;
  let base: string;
  let cacheDir: string;
  let editorCookie: string;
  let viewerCookie: string;

  beforeAll(async () => {
    db = await openDatabase({ kind: "pglite", dataDir: "memory://" });
    cacheDir = await mkdtemp(path.join(tmpdir(), "inferline-upload-"));
    server = createAppServer({
      db,
      context: { sessionConfig: SESSION_CONFIG, secureCookies: false, engine: testEngine() },
      next: (_req, res) => void res.writeHead(404).end(),
      models: { cacheDir, maxBytes: MAX_BYTES },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const admin = new TestClient(db.prisma);
    await (await admin.api()).auth.setup({ email: "ada@example.com", name: "Ada", password: "correct horse" });
    await (await admin.api()).users.create({ email: "vi@example.com", name: "Vi", password: "password-123", role: "viewer" });
    editorCookie = admin.cookie!;
    const viewer = new TestClient(db.prisma);
    await (await viewer.api()).auth.signIn({ email: "vi@example.com", password: "password-123" });
    viewerCookie = viewer.cookie!;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await db.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const post = (query: string, body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/models${query}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", cookie: editorCookie, ...headers },
      body,
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);

  it("stores a model (201 with its signature), and answers 200 with the same version for the same bytes", async () => {
    const bytes = linearModel({ producer: "http" });
    const res = await post("?name=iris-lr&description=Iris%20classifier", new Blob([bytes]));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { created: boolean; name: string; version: { number: number; sha256: string; sizeBytes: number; metadata: { inputs: unknown[] } } };
    expect(body).toMatchObject({ created: true, name: "iris-lr", version: { number: 1, sizeBytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") } });
    expect(body.version.metadata.inputs).toEqual([
      { name: "x", dtype: "float32", shape: ["batch", 4] },
      { name: "ids", dtype: "int64", shape: ["batch"] },
    ]);
    expect((await db.prisma.model.findUniqueOrThrow({ where: { name: "iris-lr" } })).description).toBe("Iris classifier");

    const again = await post("?name=iris-lr", new Blob([bytes]));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ created: false, version: { number: 1 } });
  });

  it("streams a chunked body (no Content-Length) and refuses it once it passes the limit", async () => {
    const chunked = (bytes: Uint8Array, piece: number) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes.length; i += piece) c.enqueue(bytes.slice(i, i + piece));
          c.close();
        },
      });
    const ok = await post("?name=adder", chunked(addModel(), 17));
    expect(ok.status).toBe(201);

    const before = await db.prisma.modelBlob.count();
    const p = await expectProblem(await post("?name=huge", chunked(new Uint8Array(MAX_BYTES * 1024).fill(1), 64 * 1024)), 413, "MODEL_TOO_LARGE");
    expect(p.details).toEqual({ maxBytes: MAX_BYTES });
    expect(await db.prisma.modelBlob.count()).toBe(before);
    expect(await readdir(path.join(cacheDir, "tmp"))).toEqual([]);
    // The connection closed after the refusal; the server is fine.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("refuses a declared oversize body before reading it", async () => {
    await expectProblem(await post("?name=huge", new Blob([new Uint8Array(MAX_BYTES + 1)])), 413, "MODEL_TOO_LARGE");
  });

  it("answers refused models with problem+json and keeps serving (int4 included)", async () => {
    const garbage = await expectProblem(await post("?name=junk", new Blob([new Uint8Array(2048).fill(0xff)])), 400, "MODEL_INVALID");
    expect(garbage.detail).toMatch(/not an ONNX model/);
    const int4 = await expectProblem(await post("?name=int4", new Blob([int4OutputModel()])), 400, "MODEL_UNSUPPORTED_TYPE");
    expect(int4.detail).toContain("int4");
    await expectProblem(await post("?name=Bad%20Name", new Blob([linearModel()])), 400, "INVALID_INPUT");
    expect(await db.prisma.model.count({ where: { name: { in: ["junk", "int4"] } } })).toBe(0);
    const next = await post("?name=after-int4", new Blob([linearModel({ producer: "after" })]));
    expect(next.status).toBe(201);
  });

  it("requires a signed-in editor, a same-origin request, POST and an octet-stream body", async () => {
    const bytes = new Blob([linearModel({ producer: "auth" })]);
    await expectProblem(await post("?name=anon", bytes, { cookie: "" }), 401, "UNAUTHENTICATED");
    await expectProblem(await post("?name=viewer", bytes, { cookie: viewerCookie }), 403, "FORBIDDEN");
    await expectProblem(await post("?name=csrf", bytes, { origin: "https://evil.example" }), 403, "FORBIDDEN");
    await expectProblem(await post("?name=form", "name=x", { "content-type": "application/x-www-form-urlencoded" }), 415, "INVALID_INPUT");
    const get = await fetch(`${base}/api/models`, { headers: { cookie: editorCookie } });
    await expectProblem(get, 405, "METHOD_NOT_ALLOWED");
    expect(get.headers.get("allow")).toBe("POST");
    expect(await db.prisma.model.count({ where: { name: { in: ["anon", "viewer", "csrf", "form"] } } })).toBe(0);
  });
});
