import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/client.ts";
import { BACKENDS } from "../helpers/databases.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";

/** Issue 7, item 4: an uploaded image is logged as hash, size and a thumbnail, through the real run path. */
describe.each(BACKENDS)("image thumbnails in the invocation log on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let h: TServingHarness;
  let key: string;
  const jpeg = new Uint8Array(readFileSync(new URL("../fixtures/images/rocket-exif6.jpg", import.meta.url)));

  const invoke = (image: Uint8Array<ArrayBuffer>) => {
    const form = new FormData();
    form.set("image", new Blob([image], { type: "image/jpeg" }), "rocket.jpg");
    return fetch(`${h.base}/api/v1/pipelines/sizes/invoke`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: form });
  };

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    h = await startServingHarness({ db });
    const g = new GraphBuilder();
    const input = g.input("image", { kind: "image" });
    g.add("image/decode@v1", { verify: true }, "decode");
    g.connect(input, "value", "decode", "image");
    g.output("width", "decode", "width");
    g.output("height", "decode", "height");
    const api = await h.admin.api();
    await api.pipelines.create({ slug: "sizes", name: "Sizes" });
    await api.drafts.save({ slug: "sizes", graph: g.build(), layout: {}, baseRevision: 1 });
    await api.versions.commit({ slug: "sizes", message: "v1" });
    await api.aliases.set({ slug: "sizes", alias: "production", version: 1 });
    key = (await api.apiKeys.create({ name: "k", pipelines: [] })).key;
  });
  afterAll(async () => {
    await h?.close();
    await dispose?.();
  });

  it("keeps a small upright WebP thumbnail next to the hash, served by invocations.get", async () => {
    const res = await invoke(jpeg);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.outputs).toEqual({ width: 320, height: 214 });

    const api = await h.admin.api();
    const got = await api.invocations.get({ id: body.invocation_id });
    const logged = (got.inputs as { image: { $binary: { sha256: string; bytes: number; mediaType: string; thumbnail: string } } }).image.$binary;
    expect(logged).toEqual({ sha256: createHash("sha256").update(jpeg).digest("hex"), bytes: jpeg.length, mediaType: "image/jpeg", thumbnail: expect.stringMatching(/^data:image\/webp;base64,/) });
    const webp = Buffer.from(logged.thumbnail.slice("data:image/webp;base64,".length), "base64");
    expect(await sharp(webp).metadata()).toMatchObject({ format: "webp", width: 64, height: 42 });
    expect(webp.length).toBeLessThan(3 * 1024);
  });

  it("logs a corrupt upload without a thumbnail; the pipeline's decode node reports the problem", async () => {
    const broken = jpeg.slice(0, 2000);
    const res = await invoke(broken);
    const body = await res.json();
    expect(res.status).toBeGreaterThanOrEqual(400);
    const row = await db.prisma.invocation.findFirstOrThrow({ where: { status: "error" }, orderBy: { startedAt: "desc" }, select: { inputs: true, errorNode: true } });
    expect(row.errorNode).toBe("decode");
    expect(row.inputs).toEqual({ image: { $binary: { sha256: createHash("sha256").update(broken).digest("hex"), bytes: 2000, mediaType: "image/jpeg" } } });
    expect(JSON.stringify(body)).not.toContain("thumbnail");
  });
});
