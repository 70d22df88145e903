import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { thumbnail } from "@/server/engine/runtime/image-codec.ts";
import { logInputs, logOutputs, logTrace, redact, REDACTED, THUMBNAIL, type TBinaryInfo, type TLogPolicy } from "@/server/services/invocations/payload-policy.ts";
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

  it("truncates to the budget field by field, keeping what fits and a prefix of the rest", async () => {
    const big = "x".repeat(5000);
    const r = await logInputs({ small: { a: 1 }, big, after: 2 }, policy({ payload: "truncated", truncateKb: 1 }), 1 << 20);
    expect(r.truncated).toBe(true);
    const v = r.value as Record<string, unknown>;
    expect(v.small).toEqual({ a: 1 });
    expect(v.after).toBe(2);
    expect(v.big).toMatchObject({ $truncated: { bytes: 5002 } });
    expect(((v.big as { $truncated: { prefix: string } }).$truncated.prefix)).toMatch(/^"x+$/);
    expect(JSON.stringify(v).length).toBeLessThanOrEqual(1024);
    // Under the budget: untouched. Full mode still obeys the server's hard cap.
    expect(await logInputs({ a: 1 }, policy({ payload: "truncated", truncateKb: 1 }), 1 << 20)).toEqual({ value: { a: 1 }, truncated: false });
    expect((await logInputs({ big }, policy({}), 2048)).truncated).toBe(true);
  });

  it("metadata mode keeps names, types, sizes and shapes, never values", async () => {
    const t = makeTensor("float32", [1, 3], Float32Array.from([1, 2, 3]));
    const r = await logInputs({ t, text: "hello", n: 4, list: [1, 2], obj: { secret: "s" }, file: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2]) }, policy({ payload: "metadata" }), 1 << 20);
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

  it("stores byte inputs as SHA-256, size and media type, never raw", async () => {
    const jpeg = new Uint8Array(200_000).fill(7);
    jpeg.set([0xff, 0xd8, 0xff]);
    const r = await logInputs({ image: jpeg }, policy({}), 64 * 1024);
    expect(r).toEqual({ value: { image: { $binary: { sha256: createHash("sha256").update(jpeg).digest("hex"), bytes: 200_000, mediaType: "image/jpeg" } } }, truncated: false });
  });

  it("scrubs value previews from traces when fields are redacted or only metadata is kept", () => {
    const trace = [{ nodeId: "in", type: "io/input@v1", status: "ok" as const, start: 0, durationMs: 1, outputs: { value: { type: "json" as const, preview: '{"name":"Ada"}' } } }];
    expect(logTrace(trace, policy({}))).toBe(trace);
    expect(JSON.stringify(logTrace(trace, policy({ redact: ["name"] })))).not.toContain("Ada");
    expect(logOutputs({ label: "x", scores: [1] }, policy({ redact: ["label"] }), 1024).value).toEqual({ label: REDACTED, scores: [1] });
  });
});

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));
const DATA_URL = "data:image/webp;base64,";

/** The `$binary` logged for a single byte input `file`. */
async function logged(bytes: Uint8Array, p: Partial<TLogPolicy> = {}): Promise<TBinaryInfo> {
  const r = await logInputs({ file: bytes }, policy(p), 1 << 20);
  return (r.value as { file: { $binary: TBinaryInfo } }).file.$binary;
}

/** Decodes a thumbnail data URL to raw RGB pixels. */
async function decodeThumbnail(url: string | undefined) {
  expect(url?.startsWith(DATA_URL)).toBe(true);
  const webp = Buffer.from(url!.slice(DATA_URL.length), "base64");
  expect((await sharp(webp).metadata()).format).toBe("webp");
  const { data, info } = await sharp(webp).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, bytes: webp.length, at: (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)] };
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

describe("payload policy: image thumbnails", () => {
  it("adds a ≤ 64 px WebP of a real JPEG, EXIF orientation applied", async () => {
    // Stored 214×320 (turned), EXIF orientation 6: upright it is 320×214.
    const jpeg = fixture("images/rocket-exif6.jpg");
    const b = await logged(jpeg);
    expect(b).toMatchObject({ sha256: createHash("sha256").update(jpeg).digest("hex"), bytes: jpeg.length, mediaType: "image/jpeg" });
    const t = await decodeThumbnail(b.thumbnail);
    expect([t.width, t.height]).toEqual([64, 42]); // 320×214 scaled by 0.2
    // Upright, not merely landscape: closer to the upright image than to the same image turned the other way.
    const upright = await sharp(jpeg).autoOrient().resize(64, 42, { fit: "fill" }).removeAlpha().raw().toBuffer();
    const upsideDown = await sharp(upright, { raw: { width: 64, height: 42, channels: 3 } }).rotate(180).raw().toBuffer();
    expect(meanAbsDiff(t.data, upright)).toBeLessThan(10);
    expect(meanAbsDiff(t.data, upsideDown)).toBeGreaterThan(2 * meanAbsDiff(t.data, upright));
    expect(b.thumbnail!.length).toBeLessThan(3 * 1024);
  });

  it("thumbnails PNG, GIF and WebP made with sharp, keeping aspect and where things are", async () => {
    // 300×100: left half red, right half blue.
    const raw = Buffer.alloc(300 * 100 * 3);
    for (let i = 0; i < 300 * 100; i++) raw.set((i % 300) < 150 ? [255, 0, 0] : [0, 0, 255], i * 3);
    const image = sharp(raw, { raw: { width: 300, height: 100, channels: 3 } });
    for (const [format, mediaType] of [["png", "image/png"], ["gif", "image/gif"], ["webp", "image/webp"]] as const) {
      const bytes = new Uint8Array(await image.clone().toFormat(format).toBuffer());
      const b = await logged(bytes);
      expect(b.mediaType).toBe(mediaType);
      const t = await decodeThumbnail(b.thumbnail);
      expect([t.width, t.height]).toEqual([64, 21]);
      const [lr = 0, , lb = 0] = t.at(4, 10);
      const [rr = 0, , rb = 0] = t.at(59, 10);
      expect(lr - lb).toBeGreaterThan(150);
      expect(rb - rr).toBeGreaterThan(150);
    }
    // Never enlarged: a 20×10 image stays 20×10.
    const small = new Uint8Array(await sharp(raw, { raw: { width: 300, height: 100, channels: 3 } }).resize(20, 10).png().toBuffer());
    const t = await decodeThumbnail((await logged(small)).thumbnail);
    expect([t.width, t.height]).toEqual([20, 10]);
  });

  it("keeps thumbnails small: a few hundred bytes for photos, none beyond the cap", async () => {
    for (const name of ["images/coffee.jpg", "images/chelsea.webp", "images/chelsea-small.png", "images/text-gray.png", "ocr/invoice.jpg"]) {
      const t = await decodeThumbnail((await logged(fixture(name))).thumbnail);
      expect(Math.max(t.width, t.height)).toBe(64);
      expect(t.bytes, name).toBeLessThan(2 * 1024);
    }
    // Noise does not compress: RGB noise still fits the cap, RGBA noise (~6.7 KB of WebP) does not and gets none.
    const noise = (channels: 3 | 4) => {
      const px = new Uint8Array(64 * 64 * channels);
      let x = 12345;
      for (let i = 0; i < px.length; i++) px[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
      return sharp(px, { raw: { width: 64, height: 64, channels } }).png().toBuffer().then((b) => new Uint8Array(b));
    };
    const rgb = await logged(await noise(3));
    expect((await decodeThumbnail(rgb.thumbnail)).bytes).toBeLessThanOrEqual(THUMBNAIL.maxBytes);
    const rgba = await logged(await noise(4));
    expect(rgba).toEqual({ sha256: expect.any(String), bytes: expect.any(Number), mediaType: "image/png" });
  });

  it("gives none to bytes that only look like an image, nor to non-images, and never fails the call", async () => {
    const garbage = new Uint8Array(4000).map((_, i) => (i * 7) & 0xff);
    garbage.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(await logged(garbage)).toEqual({ sha256: createHash("sha256").update(garbage).digest("hex"), bytes: 4000, mediaType: "image/png" });
    const truncated = fixture("images/coffee.jpg").subarray(0, 600);
    expect((await logged(truncated)).thumbnail).toBeUndefined();
    const wav = fixture("audio/speech-8k-u8.wav");
    expect(await logged(wav)).toEqual({ sha256: expect.any(String), bytes: wav.length, mediaType: "audio/wav" });
  });

  it("refuses images over the pixel limit before decoding them", async () => {
    await expect(thumbnail(fixture("images/coffee.jpg"), 64, { maxPixels: 600 * 400 - 1 })).rejects.toThrow(/pixel limit/i);
    expect((await thumbnail(fixture("images/coffee.jpg"), 64, { maxPixels: 600 * 400 })).length).toBeGreaterThan(0);
  });

  it("metadata mode and redaction win: no thumbnail is kept (nor made)", async () => {
    const jpeg = fixture("images/coffee.jpg");
    const m = await logInputs({ photo: jpeg }, policy({ payload: "metadata" }), 1 << 20);
    expect(m.value).toEqual({ photo: { $meta: { type: "binary", sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: jpeg.length, mediaType: "image/jpeg" } } });
    const r = await logInputs({ photo: jpeg, doc: { pages: [jpeg, jpeg] }, keep: jpeg }, policy({ redact: ["photo", "doc.pages.1"] }), 1 << 20);
    const v = r.value as { photo: unknown; doc: { pages: { $binary: TBinaryInfo }[] }; keep: { $binary: TBinaryInfo } };
    expect(v.photo).toBe(REDACTED);
    expect(v.doc.pages[1]).toBe(REDACTED);
    expect(v.doc.pages[0]!.$binary.thumbnail).toMatch(/^data:image\/webp;base64,/);
    expect(v.keep.$binary.thumbnail).toMatch(/^data:image\/webp;base64,/);
  });

  it("drops thumbnails before cutting any field, and thumbnails only the first images of a call", async () => {
    const jpeg = fixture("images/coffee.jpg");
    // With its thumbnail the field is over 1 KiB; without, it fits whole: hash kept, nothing truncated.
    const r = await logInputs({ photo: jpeg, note: "hi" }, policy({ payload: "truncated", truncateKb: 1 }), 1 << 20);
    expect(r).toEqual({ value: { photo: { $binary: { sha256: expect.any(String), bytes: jpeg.length, mediaType: "image/jpeg" } }, note: "hi" }, truncated: false });

    const tiny = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: "#336699" } }).png().toBuffer());
    const many = await logInputs({ batch: Array.from({ length: THUMBNAIL.perCall + 4 }, () => tiny) }, policy({}), 1 << 20);
    const items = (many.value as { batch: { $binary: TBinaryInfo }[] }).batch;
    expect(items.filter((i) => i.$binary.thumbnail).length).toBe(THUMBNAIL.perCall);
    expect(items.slice(0, THUMBNAIL.perCall).every((i) => i.$binary.thumbnail)).toBe(true);
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
