/**
 * image/* nodes on real photographs (test/fixtures/images, see its README for sources and licences) and on
 * broken files: decode with EXIF orientation, the resize modes against sharp's own, crops, colour, to-tensor
 * against a hand-written normalisation, tensor-to-image, encoding, and the coded errors.
 */
import sharp, { type Sharp } from "sharp";
import { describe, expect, it } from "vitest";
import { defaultCodecs } from "@/server/engine/runtime/codecs.ts";
import { readImageHeader } from "@/server/engine/runtime/image-header.ts";
import { splitStages } from "@/server/engine/runtime/image-codec.ts";
import { isImage, toOriginal, type TImage } from "@/server/engine/values/image.ts";
import { f32, inferNode, plain, tensor, tk } from "./harness.ts";
import { chain, fixture, IMAGE, meanAbsDiff, runGraph, runGraphError, runRaw, runRawError } from "./media-harness.ts";

const codec = defaultCodecs().image;
const coffee = fixture("images/coffee.jpg"); // 600×400 JPEG
const chelseaWebp = fixture("images/chelsea.webp"); // 451×300 WebP
const chelseaPng = fixture("images/chelsea-small.png"); // 226×150 RGB PNG
const textGray = fixture("images/text-gray.png"); // 448×172 one-channel PNG
const rocketExif = fixture("images/rocket-exif6.jpg"); // stored 214×320, EXIF 6 → shown 320×214

async function decoded(bytes: Uint8Array, params: Record<string, unknown> = {}): Promise<TImage> {
  const { image } = await runRaw("image/decode@v1", params, { image: bytes }, { image: IMAGE });
  expect(isImage(image)).toBe(true);
  return image as TImage;
}

async function raw(s: Sharp) {
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

describe("image/decode@v1", () => {
  it("opens JPEG, WebP and PNG (RGB and one-channel) with their sizes, decoding nothing until pixels are needed", async () => {
    for (const [bytes, w, h] of [
      [coffee, 600, 400],
      [chelseaWebp, 451, 300],
      [chelseaPng, 226, 150],
      [textGray, 448, 172],
    ] as const) {
      const out = await runRaw("image/decode@v1", {}, { image: bytes }, { image: IMAGE });
      expect([out.width, out.height]).toEqual([w, h]);
      const img = out.image as TImage;
      expect(img.source.type).toBe("encoded");
      const px = await codec.pixels(img);
      expect([px.width, px.height, px.channels, px.colour]).toEqual([w, h, 3, "rgb"]);
      // Same pixels as sharp decoding the file itself.
      const ref = await raw(sharp(bytes).removeAlpha().toColourspace("srgb"));
      expect(meanAbsDiff(px.data, ref.data)).toBe(0);
    }
  });

  it("applies the EXIF orientation: a photo stored sideways with Orientation 6 comes out upright", async () => {
    const img = await decoded(rocketExif);
    expect([img.width, img.height]).toEqual([320, 214]);
    const px = await codec.pixels(img);
    // The stored pixels turned 90° clockwise, which is what Orientation 6 asks a viewer to do.
    const upright = await raw(sharp(await sharp(rocketExif).rotate(0).raw().toBuffer(), { raw: { width: 214, height: 320, channels: 3 } }).rotate(90));
    expect([upright.width, upright.height]).toEqual([320, 214]);
    expect(meanAbsDiff(px.data, upright.data)).toBeLessThan(1);
  });

  it("reads the header the way libvips does, for every orientation and format", async () => {
    const base = await sharp(chelseaPng).resize(40, 24).toBuffer();
    for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8]) {
      for (const format of ["jpeg", "png", "webp"] as const) {
        const bytes = await sharp(base).withMetadata({ orientation }).toFormat(format).toBuffer();
        const meta = await sharp(bytes).metadata();
        const h = readImageHeader(bytes);
        expect(h.ok, `${format} ${orientation}`).toBe(true);
        if (!h.ok) continue;
        expect([h.header.format, h.header.width, h.header.height, h.header.orientation], `${format} ${orientation}`).toEqual([meta.format, meta.width, meta.height, meta.orientation ?? 1]);
        const img = codec.open(bytes);
        const px = await codec.pixels(img);
        expect([px.width, px.height]).toEqual([img.width, img.height]);
      }
    }
    const alpha = await sharp(chelseaPng).ensureAlpha(0.5).webp({ lossless: true }).toBuffer();
    expect(readImageHeader(alpha)).toMatchObject({ ok: true, header: { hasAlpha: true } });
    expect(readImageHeader(await sharp(chelseaPng).ensureAlpha(0.5).png().toBuffer())).toMatchObject({ ok: true, header: { hasAlpha: true } });
  });

  it("keeps or drops alpha and converts colour on request", async () => {
    const rgba = await sharp(chelseaPng).ensureAlpha(0.5).png().toBuffer();
    expect((await codec.pixels(await decoded(rgba))).channels).toBe(3);
    const kept = await codec.pixels(await decoded(rgba, { colour: "rgba" }));
    expect([kept.channels, kept.data[3]]).toEqual([4, 127]);
    const gray = await codec.pixels(await decoded(coffee, { colour: "gray" }));
    expect([gray.channels, gray.data.length]).toEqual([1, 600 * 400]);
    const rgb = await codec.pixels(await decoded(coffee));
    const bgr = await codec.pixels(await decoded(coffee, { colour: "bgr" }));
    expect([bgr.data[0], bgr.data[1], bgr.data[2]]).toEqual([rgb.data[2], rgb.data[1], rgb.data[0]]);
  });

  it("accepts base64, data URLs and bytes as pipeline input; refuses what is not an image before anything runs", async () => {
    const run = (v: unknown) => runGraph(chain(IMAGE, [["image/decode@v1", {}, "image", "width"]]), { x: v });
    expect((await run(coffee.toString("base64"))).outputs.y).toBe(600);
    expect((await run(`data:image/jpeg;base64,${coffee.toString("base64")}`)).outputs.y).toBe(600);
    expect((await run(new Uint8Array(coffee))).outputs.y).toBe(600);
    const gif = Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;", "latin1");
    for (const [bad, message] of [
      [gif.toString("base64"), /unsupported image format/],
      ["not base64 at all!", /not base64/],
      ["", /empty/],
      [42, /expected an image/],
    ] as const) {
      const e = await runGraphError(chain(IMAGE, [["image/decode@v1", {}, "image", "width"]]), { x: bad });
      expect(e).toMatchObject({ code: "INVALID_INPUT", port: "x" });
      expect(e.message).toMatch(message);
    }
  });

  it("fails with a coded reason on corrupt, truncated, zero-size and huge images", async () => {
    const decodeErr = async (bytes: Uint8Array, params: Record<string, unknown> = {}) => {
      const e = await runRawError("image/decode@v1", params, { image: bytes }, { image: IMAGE });
      expect(e).toMatchObject({ code: "NODE_FAILED", nodeId: "node", port: "image" });
      return e;
    };
    // JPEG magic followed by garbage: no frame header.
    const garbage = new Uint8Array(2000).map((_, i) => (i * 7919) % 251);
    garbage.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00]);
    expect((await decodeErr(garbage)).details).toMatchObject({ reason: "IMAGE_CORRUPT" });
    // A PNG whose header claims 0×0 pixels.
    const png = Buffer.from(await sharp(chelseaPng).png().toBuffer());
    const zero = Buffer.from(png);
    zero.writeUInt32BE(0, 16);
    expect((await decodeErr(zero)).details).toMatchObject({ reason: "IMAGE_EMPTY" });
    // A decompression bomb: a valid header claiming 100 000 × 100 000 is refused before any pixel is decoded.
    const bomb = Buffer.from(png);
    bomb.writeUInt32BE(50_000, 16);
    bomb.writeUInt32BE(50_000, 20);
    const t0 = performance.now();
    const e = await decodeErr(bomb);
    expect(e.details).toMatchObject({ reason: "IMAGE_TOO_LARGE" });
    expect(e.message).toMatch(/50000×50000 .* more than the limit of 40 MP/);
    expect(performance.now() - t0).toBeLessThan(1000);
    // The limit is a param: the 600×400 photo is over a 0.2 MP limit.
    expect((await decodeErr(coffee, { maxPixels: 200_000 })).details).toMatchObject({ reason: "IMAGE_TOO_LARGE" });
    // A truncated JPEG has a valid header: it fails where the pixels are decoded (here, verify).
    const truncated = coffee.subarray(0, Math.floor(coffee.length / 2));
    expect((await decoded(truncated)).width).toBe(600);
    const t = await decodeErr(truncated, { verify: true });
    expect(t.details).toMatchObject({ reason: "IMAGE_CORRUPT" });
    expect(t.message).toMatch(/could not be decoded/);
    // …or, lazily, in the node that needs them, which names its own port.
    const lazy = await runGraphError(chain(IMAGE, [["image/decode@v1", {}, "image", "image"], ["image/to-tensor@v1", {}, "image", "tensor"]]), { x: truncated });
    expect(lazy).toMatchObject({ code: "NODE_FAILED", nodeId: "s1", port: "image", details: { reason: "IMAGE_CORRUPT" } });
  });
});

describe("image/resize@v1", () => {
  const resized = async (params: Record<string, unknown>, bytes: Uint8Array = coffee) => {
    const { image } = await runRaw("image/resize@v1", params, { image: bytes }, { image: IMAGE });
    return image as TImage;
  };

  it("stretch matches sharp's fill, in one pass from the JPEG", async () => {
    const img = await resized({ mode: "stretch", width: 224, height: 224 });
    expect(img.ops).toHaveLength(1);
    const px = await codec.pixels(img);
    const ref = await raw(sharp(coffee).resize(224, 224, { fit: "fill", kernel: "linear" }));
    expect([px.width, px.height]).toEqual([224, 224]);
    expect(meanAbsDiff(px.data, ref.data)).toBe(0);
  });

  it("letterbox keeps the aspect ratio and pads with padColour, like sharp's contain; its frame maps back", async () => {
    const img = await resized({ mode: "letterbox", width: 320, height: 320, padColour: [114, 114, 114] });
    expect([img.width, img.height]).toEqual([320, 320]);
    const px = await codec.pixels(img);
    // 600×400 → 320×213, padded 53 above and 54 below.
    expect(Array.from(px.data.subarray(0, 3))).toEqual([114, 114, 114]);
    expect(Array.from(px.data.subarray((319 * 320 + 319) * 3))).toEqual([114, 114, 114]);
    const ref = await raw(sharp(coffee).resize(320, 320, { fit: "contain", kernel: "linear", background: { r: 114, g: 114, b: 114 } }));
    expect(meanAbsDiff(px.data, ref.data)).toBeLessThan(0.5);
    expect(toOriginal(img.frame, 0, 53)).toEqual([0, 0]);
    const [x, y] = toOriginal(img.frame, 320, 53 + 213);
    expect(x).toBeCloseTo(600, 6);
    expect(y).toBeCloseTo(400, 6);
    const topLeft = await resized({ mode: "letterbox", width: 320, height: 320, position: "top-left" });
    expect(toOriginal(topLeft.frame, 0, 0)).toEqual([0, 0]);
  });

  it("cover fills and crops the overflow like sharp's cover", async () => {
    const img = await resized({ mode: "cover", width: 200, height: 200 });
    const px = await codec.pixels(img);
    const ref = await raw(sharp(coffee).resize(200, 200, { fit: "cover", kernel: "linear" }));
    expect(meanAbsDiff(px.data, ref.data)).toBeLessThan(0.5);
    expect(toOriginal(img.frame, 0, 0)[0]).toBeCloseTo(100, 6); // 600×400 → 300×200, 50 px cut on each side = 100 original px
  });

  it("keep-aspect, shorter-side and longer-side scale by one side; roundTo makes multiples", async () => {
    expect(await resized({ mode: "keep-aspect", height: 48 })).toMatchObject({ width: 72, height: 48 });
    expect(await resized({ mode: "keep-aspect", height: 48, maxWidth: 50 })).toMatchObject({ width: 50, height: 48 });
    const sh = await sharp(coffee).resize({ height: 48 }).toBuffer({ resolveWithObject: true });
    expect(sh.info.width).toBe(72);
    expect(await resized({ mode: "shorter-side", size: 256 })).toMatchObject({ width: 384, height: 256 });
    expect(await resized({ mode: "longer-side", size: 300 })).toMatchObject({ width: 300, height: 200 });
    expect(await resized({ mode: "longer-side", size: 1000, allowUpscale: false })).toMatchObject({ width: 600, height: 400 });
    expect(await resized({ mode: "letterbox", roundTo: 32 }, chelseaWebp)).toMatchObject({ width: 480, height: 320 });
    expect(await resized({ mode: "keep-aspect", width: 100, roundTo: 32, rounding: "round" })).toMatchObject({ width: 96, height: 64 });
  });

  it("a chain of resizes, crops and pads gives the pixels of doing each step on its own", async () => {
    const steps: [string, Record<string, unknown>, string, string][] = [
      ["image/resize@v1", { mode: "shorter-side", size: 256 }, "image", "image"],
      ["image/center-crop@v1", { width: 224, height: 224 }, "image", "image"],
      ["image/resize@v1", { mode: "letterbox", width: 300, height: 260, padColour: [10, 20, 30] }, "image", "image"],
      ["image/center-crop@v1", { width: 250, height: 250, padColour: [200, 0, 0] }, "image", "image"],
    ];
    const lazy = (await runGraph(chain(IMAGE, steps), { x: coffee })).outputs;
    // The output node encodes images as PNG data URLs; compare decoded pixels with the eager path below.
    expect(typeof lazy.y).toBe("string");
    const lazyPx = await raw(sharp(Buffer.from((lazy.y as string).split(",")[1]!, "base64")));
    let img: TImage = codec.open(coffee);
    for (const [type, params] of steps) {
      const out = await runRaw(type, params, { image: img }, { image: IMAGE });
      // Materialise after every step: raw pixels in, raw pixels out.
      const px = await codec.pixels(out.image as TImage);
      img = { ...(out.image as TImage), source: { type: "raw", data: px.data, width: px.width, height: px.height, colour: px.colour }, ops: [] };
    }
    const eager = await codec.pixels(img);
    expect([lazyPx.width, lazyPx.height]).toEqual([250, 250]);
    expect(meanAbsDiff(lazyPx.data, eager.data)).toBeLessThan(1);
  });

  it("knows fixed output sizes at compile time and checks its params", () => {
    expect(inferNode("image/resize@v1", { mode: "letterbox", width: 640, height: 640 }, { image: IMAGE }).outputs.image).toEqual({ kind: "image", width: 640, height: 640 });
    expect(inferNode("image/resize@v1", { mode: "keep-aspect", height: 48 }, { image: IMAGE }).outputs.image).toEqual({ kind: "image" });
    expect(inferNode("image/resize@v1", { mode: "shorter-side" }, { image: IMAGE }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "size" }]);
    expect(inferNode("image/resize@v1", { mode: "stretch", width: 0, height: 10 }, { image: IMAGE }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "width" }]);
  });
});

describe("pending ops are fused into as few libvips pipelines as sharp's order allows", () => {
  it("resize → crop → pad is one stage; crop after pad, or two resizes, start another", () => {
    const r = { op: "resize", width: 10, height: 10, kernel: "linear" } as const;
    const x = { op: "extract", left: 1, top: 1, width: 5, height: 5 } as const;
    const p = { op: "extend", top: 1, bottom: 1, left: 1, right: 1, background: [0] } as const;
    expect(splitStages([x, r, x, p]).map((s) => s.length)).toEqual([4]);
    expect(splitStages([r, p, x]).map((s) => s.length)).toEqual([2, 1]);
    expect(splitStages([r, r]).map((s) => s.length)).toEqual([1, 1]);
    expect(splitStages([x, x, r])).toEqual([[{ op: "extract", left: 2, top: 2, width: 5, height: 5 }, r]]);
  });
});

describe("image/center-crop@v1", () => {
  it("takes the centre (offsets rounded half to even) and pads images smaller than the crop", async () => {
    const { image } = await runRaw("image/center-crop@v1", { width: 224, height: 224 }, { image: coffee }, { image: IMAGE });
    const img = image as TImage;
    expect(toOriginal(img.frame, 0, 0)).toEqual([188, 88]);
    const px = await codec.pixels(img);
    const ref = await raw(sharp(coffee).extract({ left: 188, top: 88, width: 224, height: 224 }));
    expect(meanAbsDiff(px.data, ref.data)).toBe(0);
    const big = (await runRaw("image/center-crop@v1", { width: 500, height: 200, padColour: [255, 0, 0] }, { image: chelseaPng }, { image: IMAGE })).image as TImage;
    const bpx = await codec.pixels(big);
    expect([bpx.width, bpx.height]).toEqual([500, 200]);
    expect(Array.from(bpx.data.subarray(0, 3))).toEqual([255, 0, 0]);
  });
});

describe("image/to-tensor@v1", () => {
  it("normalises per channel into NCHW exactly as a hand-written loop over sharp's pixels", async () => {
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const run = await runGraph(
      chain(IMAGE, [
        ["image/decode@v1", {}, "image", "image"],
        ["image/resize@v1", { mode: "stretch", width: 224, height: 224 }, "image", "image"],
        ["image/to-tensor@v1", { mean, std }, "image", "tensor"],
      ]),
      { x: coffee },
    );
    const t = plain(run.outputs.y);
    expect(t.shape).toEqual([1, 3, 224, 224]);
    expect(run.compiled.ports.s2?.outputs.tensor).toEqual(tk("float32", [1, 3, 224, 224]));
    const ref = await raw(sharp(coffee).resize(224, 224, { fit: "fill", kernel: "linear" }));
    const n = 224 * 224;
    for (const i of [0, 1, 777, n - 1]) {
      for (let c = 0; c < 3; c++) expect(t.data[c * n + i]).toBeCloseTo((ref.data[i * 3 + c]! / 255 - mean[c]!) / std[c]!, 5);
    }
  });

  it("NHWC, CHW, HWC and uint8 lay out the same pixels; gray has one channel; BGR swaps", async () => {
    const img = (await runRaw("image/resize@v1", { width: 4, height: 3 }, { image: coffee }, { image: IMAGE })).image as TImage;
    const px = await codec.pixels(img);
    const get = async (params: Record<string, unknown>, im: TImage = img) => plain((await runRaw("image/to-tensor@v1", params, { image: im }, { image: IMAGE })).tensor);
    const nhwc = await get({ layout: "NHWC", dtype: "uint8" });
    expect(nhwc).toEqual({ dtype: "uint8", shape: [1, 3, 4, 3], data: Array.from(px.data) });
    const chw = await get({ layout: "CHW", scale: 1 });
    expect(chw.shape).toEqual([3, 3, 4]);
    expect(chw.data.slice(0, 2)).toEqual([px.data[0], px.data[3]]);
    expect((await get({ layout: "HWC", scale: 1 })).data).toEqual(Array.from(px.data));
    const bgr = await get({ layout: "HWC", dtype: "uint8" }, { ...img, colour: "bgr" });
    expect(bgr.data.slice(0, 3)).toEqual([px.data[2], px.data[1], px.data[0]]);
    const gray = await get({ dtype: "uint8" }, { ...img, colour: "gray" });
    expect(gray.shape).toEqual([1, 1, 3, 4]);
  });

  it("checks mean/std against the channels at compile time and at run time", async () => {
    expect(inferNode("image/to-tensor@v1", { mean: [0.5, 0.5] }, { image: { kind: "image", colour: "rgb" } }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "image" }]);
    expect(inferNode("image/to-tensor@v1", { dtype: "uint8", mean: [0.5] }, { image: IMAGE }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "dtype" }]);
    const e = await runRawError("image/to-tensor@v1", { mean: [1, 2] }, { image: textGray }, { image: IMAGE });
    expect(e.message).toContain("2 mean values for a 3-channel (rgb) image");
    expect(inferNode("image/to-tensor@v1", { std: [1, 2, 3] }, { image: { kind: "image", colour: "gray" } }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "image" }]);
    // Where the channels are only known at run time (a tensor shown as an image), the run fails instead.
    const mask = tensor("float32", [2, 2], [0, 1, 1, 0]);
    const g = await runGraphError(chain(tk("float32", [2, 2]), [["image/from-tensor@v1", {}, "tensor", "image"], ["image/to-tensor@v1", { std: [1, 2, 3] }, "image", "tensor"]]), { x: mask });
    expect(g).toMatchObject({ nodeId: "s1", port: "image" });
    expect(g.message).toContain("3 std values for a 1-channel (gray) image");
  });
});

describe("image/from-tensor@v1 and image/encode@v1", () => {
  it("shows a mask as a gray image and a heatmap in viridis, encoded as PNG", async () => {
    const mask = f32([2, 3], [0, 0.5, 1, 1, 0.5, 0]);
    const { image } = await runRaw("image/from-tensor@v1", {}, { tensor: mask });
    const px = await codec.pixels(image as TImage);
    expect([px.width, px.height, px.colour, Array.from(px.data)]).toEqual([3, 2, "gray", [0, 128, 255, 255, 128, 0]]);
    const heat = (await runRaw("image/from-tensor@v1", { colormap: "viridis", range: "unit" }, { tensor: f32([1, 1, 1, 2], [0, 1]) })).image as TImage;
    expect(Array.from((await codec.pixels(heat)).data)).toEqual([68, 1, 84, 253, 231, 37]);
    const { encoded } = await runRaw("image/encode@v1", {}, { image }, { image: IMAGE });
    expect(encoded).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from((encoded as string).split(",")[1]!, "base64");
    expect((await sharp(png).metadata()).channels).toBe(1);
    expect(Array.from((await raw(sharp(png).toColourspace("b-w"))).data)).toEqual([0, 128, 255, 255, 128, 0]);
    const jpeg = await runRaw("image/encode@v1", { format: "jpeg", as: "base64", quality: 50 }, { image }, { image: IMAGE });
    expect(Buffer.from(jpeg.encoded as string, "base64").subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it("round-trips a planar RGB tensor and reads interleaved ones", async () => {
    const img = (await runRaw("image/resize@v1", { width: 8, height: 6 }, { image: chelseaPng }, { image: IMAGE })).image as TImage;
    const t = (await runRaw("image/to-tensor@v1", { dtype: "uint8" }, { image: img }, { image: IMAGE })).tensor;
    const back = (await runRaw("image/from-tensor@v1", { range: "byte" }, { tensor: t })).image as TImage;
    expect((await codec.pixels(back)).data).toEqual((await codec.pixels(img)).data);
    const hwc = tensor("float32", [1, 2, 3], [0, 0.5, 1, 1, 0.5, 0]);
    const rgb = (await runRaw("image/from-tensor@v1", { range: "unit" }, { tensor: hwc })).image as TImage;
    expect([rgb.width, rgb.height, rgb.colour]).toEqual([2, 1, "rgb"]);
  });

  it("refuses tensors that are not images", async () => {
    await expect(runRaw("image/from-tensor@v1", {}, { tensor: f32([5], [1, 2, 3, 4, 5]) })).rejects.toMatchObject({ port: "tensor", message: expect.stringMatching(/rank-1/) });
    await expect(runRaw("image/from-tensor@v1", {}, { tensor: f32([2, 2, 2, 2], new Array(16).fill(0)) })).rejects.toMatchObject({ message: expect.stringMatching(/batch of one|channels/) });
    await expect(runRaw("image/from-tensor@v1", {}, { tensor: f32([0, 3], []) })).rejects.toMatchObject({ message: expect.stringMatching(/no pixels/) });
  });
});

describe("image/crop@v1 and image/crop-boxes@v1", () => {
  it("cuts axis-aligned boxes out of the decoded image, in any box spelling", async () => {
    const ref = await raw(sharp(coffee).extract({ left: 100, top: 50, width: 200, height: 100 }));
    for (const box of [[100, 50, 300, 150], { box: [100, 50, 300, 150], score: 0.9 }, { left: 100, top: 50, width: 200, height: 100 }, [[100, 50], [300, 50], [300, 150], [100, 150]]]) {
      const { image } = await runRaw("image/crop@v1", {}, { image: coffee, box }, { image: IMAGE });
      const px = await codec.pixels(image as TImage);
      expect([px.width, px.height]).toEqual([200, 100]);
      expect(meanAbsDiff(px.data, ref.data)).toBe(0);
      expect(toOriginal((image as TImage).frame, 0, 0)).toEqual([100, 50]);
    }
  });

  it("straightens rotated boxes with a perspective warp and turns tall crops", async () => {
    // A white bar rotated by 20° on black: its four corners are the box.
    const a = (20 * Math.PI) / 180;
    const [cx, cy, hw, hh] = [100, 80, 60, 12];
    const corner = (sx: number, sy: number): [number, number] => [cx + sx * hw * Math.cos(a) - sy * hh * Math.sin(a), cy + sx * hw * Math.sin(a) + sy * hh * Math.cos(a)];
    const quad = [corner(-1, -1), corner(1, -1), corner(1, 1), corner(-1, 1)];
    const svg = `<svg width="200" height="160"><rect width="200" height="160" fill="black"/><polygon points="${quad.map((p) => p.join(",")).join(" ")}" fill="white"/></svg>`;
    const png = await sharp(Buffer.from(svg)).png().toBuffer();
    const { image } = await runRaw("image/crop@v1", {}, { image: png, box: { points: quad } }, { image: IMAGE });
    const px = await codec.pixels(image as TImage);
    // int() of the side lengths, as PaddleOCR: 119.99… → 119.
    expect([px.width, px.height]).toEqual([119, 24]);
    const inner = [];
    for (let y = 3; y < 21; y++) for (let x = 3; x < 116; x++) inner.push(px.data[(y * 119 + x) * 3]!);
    expect(Math.min(...inner)).toBeGreaterThan(200);
    const tall = (await runRaw("image/crop@v1", { rotateTall: 1.5 }, { image: coffee, box: [0, 0, 20, 60] }, { image: IMAGE })).image as TImage;
    expect([tall.width, tall.height]).toEqual([60, 20]);
  });

  it("crops a list of detections, decoding the image once, and names bad boxes", async () => {
    const img = codec.open(coffee);
    const boxes = [[0, 0, 10, 10], { box: [590, 390, 700, 500] }];
    const { images } = await runRaw("image/crop-boxes@v1", {}, { image: img, boxes }, { image: IMAGE });
    expect((images as TImage[]).map((i) => [i.width, i.height])).toEqual([
      [10, 10],
      [10, 10],
    ]);
    await expect(runRaw("image/crop-boxes@v1", {}, { image: img, boxes: [[700, 700, 800, 800]] }, { image: IMAGE })).rejects.toMatchObject({ port: "boxes", message: expect.stringMatching(/no area inside the 600×400 image/) });
    await expect(runRaw("image/crop@v1", {}, { image: img, box: "left half" }, { image: IMAGE })).rejects.toMatchObject({ port: "box", message: expect.stringMatching(/expected a box/) });
  });
});

describe("images at the pipeline's edges", () => {
  it("an image output is a PNG data URL; the trace summarises images without pixels", async () => {
    const run = await runGraph(chain(IMAGE, [["image/resize@v1", { width: 16, height: 8 }, "image", "image"]]), { x: coffee });
    expect(run.outputs.y).toMatch(/^data:image\/png;base64,/);
    expect(run.trace.find((t) => t.nodeId === "s0")?.outputs?.image).toEqual({ type: "image", width: 16, height: 8, colour: "rgb", originalWidth: 600, originalHeight: 400 });
    expect(run.trace.find((t) => t.nodeId === "in_x")?.outputs?.value).toEqual({ type: "bytes", length: coffee.length });
  });
});

describe("image/colour@v1", () => {
  it("gray is BT.601 luma of the encoded values, as PIL's convert('L'); a one-channel image stays exact", async () => {
    const px = Buffer.from([200, 100, 50, 0, 0, 255, 255, 255, 255]);
    const png = await sharp(px, { raw: { width: 3, height: 1, channels: 3 } }).png().toBuffer();
    const { image } = await runRaw("image/colour@v1", { colour: "gray" }, { image: png }, { image: IMAGE });
    // PIL: (200·19595 + 100·38470 + 50·7471 + 32768) >> 16 = 124; blue alone 29; white 255.
    expect(Array.from((await codec.pixels(image as TImage)).data)).toEqual([124, 29, 255]);
    const gray = (await runRaw("image/colour@v1", { colour: "gray" }, { image: textGray }, { image: IMAGE })).image as TImage;
    const ref = await raw(sharp(textGray).toColourspace("b-w"));
    expect(meanAbsDiff((await codec.pixels(gray)).data, ref.data)).toBe(0);
  });
});
