import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logInputs, logOutputs, logTrace, redact, REDACTED, type TLogPolicy } from "@/server/services/invocations/payload-policy.ts";
import { makeTensor } from "@/server/engine/values/tensor.ts";
import { expectAppError, TestClient } from "../helpers/clients.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";

const policy = (p: Partial<TLogPolicy>): TLogPolicy => ({ payload: "full", truncateKb: 16, redact: [], ...p });

describe("payload policy (unit)", () => {
  it("redacts top-level fields and dotted paths, copying only what changes", () => {
    const input = { patient: { name: "Ada", age: 36, tags: ["a", "b"] }, note: "secret", keep: 1 };
    const out = redact(input, ["note", "patient.name", "patient.tags.1", "missing.path"]);
    expect(out).toEqual({ patient: { name: REDACTED, age: 36, tags: ["a", REDACTED] }, note: REDACTED, keep: 1 });
    expect(input.patient.name).toBe("Ada");
  });

  it("truncates to the budget field by field, keeping what fits and a prefix of the rest", () => {
    const big = "x".repeat(5000);
    const r = logInputs({ small: { a: 1 }, big, after: 2 }, policy({ payload: "truncated", truncateKb: 1 }), 1 << 20);
    expect(r.truncated).toBe(true);
    const v = r.value as Record<string, unknown>;
    expect(v.small).toEqual({ a: 1 });
    expect(v.after).toBe(2);
    expect(v.big).toMatchObject({ $truncated: { bytes: 5002 } });
    expect(((v.big as { $truncated: { prefix: string } }).$truncated.prefix)).toMatch(/^"x+$/);
    expect(JSON.stringify(v).length).toBeLessThanOrEqual(1024);
    // Under the budget: untouched. Full mode still obeys the server's hard cap.
    expect(logInputs({ a: 1 }, policy({ payload: "truncated", truncateKb: 1 }), 1 << 20)).toEqual({ value: { a: 1 }, truncated: false });
    expect(logInputs({ big }, policy({}), 2048).truncated).toBe(true);
  });

  it("metadata mode keeps names, types, sizes and shapes, never values", () => {
    const t = makeTensor("float32", [1, 3], Float32Array.from([1, 2, 3]));
    const r = logInputs({ t, text: "hello", n: 4, list: [1, 2], obj: { secret: "s" }, file: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2]) }, policy({ payload: "metadata" }), 1 << 20);
    expect(r.value).toEqual({
      t: { $meta: { type: "tensor", dtype: "float32", shape: [1, 3], bytes: expect.any(Number) } },
      text: { $meta: { type: "string", bytes: 7 } },
      n: { $meta: { type: "number", bytes: 1 } },
      list: { $meta: { type: "array", length: 2, bytes: 5 } },
      obj: { $meta: { type: "object", bytes: 14 } },
      file: { $meta: { type: "binary", sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: 6, mediaType: "image/png" } },
    });
    expect(JSON.stringify(r.value)).not.toContain("hello");
  });

  it("stores byte inputs as SHA-256, size and media type, never raw", () => {
    const jpeg = new Uint8Array(200_000).fill(7);
    jpeg.set([0xff, 0xd8, 0xff]);
    const r = logInputs({ image: jpeg }, policy({}), 64 * 1024);
    expect(r).toEqual({ value: { image: { $binary: { sha256: createHash("sha256").update(jpeg).digest("hex"), bytes: 200_000, mediaType: "image/jpeg" } } }, truncated: false });
  });

  it("scrubs value previews from traces when fields are redacted or only metadata is kept", () => {
    const trace = [{ nodeId: "in", type: "io/input@v1", status: "ok" as const, start: 0, durationMs: 1, outputs: { value: { type: "json" as const, preview: '{"name":"Ada"}' } } }];
    expect(logTrace(trace, policy({}))).toBe(trace);
    expect(JSON.stringify(logTrace(trace, policy({ redact: ["name"] })))).not.toContain("Ada");
    expect(logOutputs({ label: "x", scores: [1] }, policy({ redact: ["label"] }), 1024).value).toEqual({ label: REDACTED, scores: [1] });
  });
});

describe("payload policy per pipeline (tRPC + REST)", () => {
  let h: TServingHarness;
  let key: string;
  const call = (body: unknown) => fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  const row = (id: string) => h.db.prisma.invocation.findUniqueOrThrow({ where: { id }, select: { inputs: true, outputs: true, truncated: true, trace: true } });

  beforeAll(async () => {
    h = await startServingHarness();
    const api = await h.admin.api();
    await api.pipelines.create({ slug: "toy", name: "Toy" });
    await api.drafts.save({ slug: "toy", graph: toyClassifierGraph(), layout: {}, baseRevision: 1 });
    await api.versions.commit({ slug: "toy", message: "v1" });
    await api.aliases.set({ slug: "toy", alias: "production", version: 1 });
    key = (await api.apiKeys.create({ name: "k", pipelines: [] })).key;
  });
  afterAll(async () => h?.close());

  it("is full by default, settable by editors (audited), refused to viewers, and applies from the next call", async () => {
    const api = await h.admin.api();
    expect((await api.pipelines.get({ slug: "toy" })).logPolicy).toEqual({ payload: "full", truncateKb: 16, redact: [] });
    const first = await (await call({ flower: { a: 3, b: 2, name: "Ada" } })).json();
    expect((await row(first.invocation_id)).inputs).toEqual({ flower: { a: 3, b: 2, name: "Ada" } });

    expect(await api.pipelines.setLogPolicy({ slug: "toy", payload: "full", redact: ["flower.name", "label"] })).toEqual({ slug: "toy", logPolicy: { payload: "full", truncateKb: 16, redact: ["flower.name", "label"] } });
    const audit = await api.audit.list({ slug: "toy", limit: 1 });
    expect(audit.items[0]).toMatchObject({ action: "pipeline.logPolicy", details: { payload: "full", redact: "flower.name, label" } });
    const res = await call({ flower: { a: 3, b: 2, name: "Ada" } });
    const body = await res.json();
    expect(body.outputs.label).toBe("left"); // the caller gets everything; only the log is redacted
    const r = await row(body.invocation_id);
    expect(r.inputs).toEqual({ flower: { a: 3, b: 2, name: REDACTED } });
    expect((r.outputs as Record<string, unknown>).label).toBe(REDACTED);
    expect(JSON.stringify(r.trace)).not.toContain("Ada");

    await api.users.create({ email: "viewer@example.com", name: "V", password: "password-viewer", role: "viewer" });
    const viewer = new TestClient(h.db.prisma);
    await (await viewer.api()).auth.signIn({ email: "viewer@example.com", password: "password-viewer" });
    await expectAppError((await viewer.api()).pipelines.setLogPolicy({ slug: "toy", payload: "metadata", redact: [] }), "FORBIDDEN");
  });

  it("truncates to N KB and keeps metadata only, as set", async () => {
    const api = await h.admin.api();
    await api.pipelines.setLogPolicy({ slug: "toy", payload: "truncated", truncateKb: 1, redact: [] });
    const pad = "p".repeat(4000);
    const t = await (await call({ flower: { a: 3, b: 2, pad } })).json();
    const tr = await row(t.invocation_id);
    expect(tr.truncated).toBe(true);
    expect(tr.inputs).toMatchObject({ flower: { $truncated: { bytes: expect.any(Number), prefix: expect.stringMatching(/^\{"a":3/) } } });
    expect(JSON.stringify(tr.inputs).length).toBeLessThanOrEqual(1024);

    await api.pipelines.setLogPolicy({ slug: "toy", payload: "metadata", redact: [] });
    const m = await (await call({ flower: { a: 3, b: 2 } })).json();
    const mr = await row(m.invocation_id);
    expect(mr.inputs).toEqual({ flower: { $meta: { type: "object", bytes: 13 } } });
    expect(mr.outputs).toMatchObject({ label: { $meta: { type: "string" } }, scores: { $meta: { type: "tensor", dtype: "float32", shape: [1, 2] } } });
    expect(JSON.stringify(mr.trace)).not.toContain("left");
  });

  it("keeps uploaded files as hash and size, not bytes", async () => {
    const api = await h.admin.api();
    await api.pipelines.setLogPolicy({ slug: "toy", payload: "full", redact: [] });
    const png = new Uint8Array(50_000).fill(1);
    png.set([0x89, 0x50, 0x4e, 0x47]);
    const form = new FormData();
    form.set("flower", JSON.stringify({ a: 1, b: 1 }));
    form.set("photo", new Blob([png], { type: "image/png" }), "photo.png");
    const res = await fetch(`${h.base}/api/v1/pipelines/toy/invoke`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: form });
    const body = await res.json();
    const r = await row(body.invocation_id); // logged whether or not the pipeline accepts the extra input
    expect(r.inputs).toEqual({ flower: { a: 1, b: 1 }, photo: { $binary: { sha256: createHash("sha256").update(png).digest("hex"), bytes: 50_000, mediaType: "image/png" } } });
  });
});
