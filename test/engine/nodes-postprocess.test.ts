/**
 * Detection and sequence postprocessing: NMS, formatting detections, rescaling boxes through an image's
 * geometry, CTC decoding, mask thresholds and the response formatter — on values shaped like real model
 * outputs, and on bad ones.
 */
import { describe, expect, it } from "vitest";
import type { TImage } from "@/server/engine/values/image.ts";
import { f32, inferNode, plain, tensor, tk } from "./harness.ts";
import { fixture, IMAGE, runRaw, runRawError } from "./media-harness.ts";

describe("post/nms@v1", () => {
  // Three candidates around one object (class 0), one elsewhere (class 1), one weak one; YOLO-style cxcywh.
  const boxes = f32([1, 5, 4], [100, 100, 50, 50, 102, 101, 50, 52, 98, 99, 48, 50, 300, 200, 40, 80, 500, 400, 10, 10]);
  const scores = f32([1, 5, 2], [0.9, 0.05, 0.8, 0.1, 0.75, 0.2, 0.1, 0.95, 0.1, 0.12]);

  it("keeps the best box of each overlapping group, per class, best first", async () => {
    const { detections, count } = await runRaw("post/nms@v1", { format: "cxcywh", labels: ["cat", "dog"] }, { boxes, scores });
    expect(count).toBe(2);
    expect(detections).toEqual([
      { box: [280, 160, 320, 240], score: expect.closeTo(0.95, 6), classId: 1, label: "dog" },
      { box: [75, 75, 125, 125], score: expect.closeTo(0.9, 6), classId: 0, label: "cat" },
    ]);
  });

  it("suppresses across classes unless classAware, honours thresholds, multiLabel and maxDetections", async () => {
    // Two boxes on one spot with different classes.
    const b = f32([2, 4], [0, 0, 10, 10, 1, 1, 11, 11]);
    const s = f32([2, 2], [0.9, 0.1, 0.2, 0.8]);
    expect((await runRaw("post/nms@v1", {}, { boxes: b, scores: s })).count).toBe(2);
    expect((await runRaw("post/nms@v1", { classAware: false }, { boxes: b, scores: s })).count).toBe(1);
    expect((await runRaw("post/nms@v1", { scoreThreshold: 0.85 }, { boxes: b, scores: s })).count).toBe(1);
    const multi = (await runRaw("post/nms@v1", { multiLabel: true, scoreThreshold: 0.15, iouThreshold: 0.9 }, { boxes: b, scores: s })).detections as { classId: number }[];
    expect(multi.map((d) => d.classId)).toEqual([0, 1, 0]); // box 1's class 0 (0.2) overlaps box 0 by IoU 0.68 < 0.9
    expect((await runRaw("post/nms@v1", { maxDetections: 1 }, { boxes: b, scores: s })).count).toBe(1);
    // One class as a flat score list; xywh boxes.
    const flat = await runRaw("post/nms@v1", { format: "xywh" }, { boxes: f32([1, 4], [10, 20, 30, 40]), scores: f32([1], [0.7]) });
    expect(flat.detections).toEqual([{ box: [10, 20, 40, 60], score: expect.closeTo(0.7, 6), classId: 0 }]);
  });

  it("reports boxes that are not 4 wide and labels that do not match, at compile and run time", async () => {
    expect(inferNode("post/nms@v1", {}, { boxes: tk("float32", ["n", 5]), scores: tk("float32", ["n", 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "boxes" }]);
    expect(inferNode("post/nms@v1", { labels: ["a"] }, { boxes: tk("float32", ["n", 4]), scores: tk("float32", ["n", 3]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "scores" }]);
    const e = await runRawError("post/nms@v1", {}, { boxes: f32([2, 4], new Array(8).fill(0)), scores: f32([3, 1], [1, 1, 1]) });
    expect(e).toMatchObject({ code: "NODE_FAILED", port: "scores" });
    expect(e.message).toContain("3 score rows for 2 boxes");
  });
});

describe("post/detections@v1", () => {
  it("formats SSD-style outputs: normalized boxes, scores, class ids with a background offset", async () => {
    const out = await runRaw(
      "post/detections@v1",
      { normalized: true, width: 200, height: 100, labels: ["person", "bicycle"], labelOffset: 1, scoreThreshold: 0.3 },
      { boxes: f32([1, 3, 4], [0.1, 0.2, 0.5, 0.6, 0, 0, 1, 1, 0.5, 0.5, 0.6, 0.6]), scores: f32([1, 3], [0.6, 0.9, 0.1]), classes: f32([1, 3], [1, 2, 1]) },
    );
    const near = (v: number) => expect.closeTo(v, 4);
    expect(out.detections).toEqual([
      { box: [0, 0, 200, 100], score: near(0.9), classId: 2, label: "bicycle" },
      { box: [20, 20, 100, 60].map(near), score: near(0.6), classId: 1, label: "person" },
    ]);
    await expect(runRaw("post/detections@v1", { labels: ["a"] }, { boxes: f32([1, 4], [0, 0, 1, 1]), scores: f32([1], [1]), classes: f32([1], [3]) })).rejects.toMatchObject({ port: "classes" });
    expect(inferNode("post/detections@v1", { normalized: true }, { boxes: tk("float32"), scores: tk("float32") }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "normalized" }]);
  });
});

describe("post/rescale-boxes@v1", () => {
  it("undoes a letterbox on a real photo: boxes on the 320×320 model input land on the 600×400 original", async () => {
    const { image } = await runRaw("image/resize@v1", { mode: "letterbox", width: 320, height: 320 }, { image: fixture("images/coffee.jpg") }, { image: IMAGE });
    // 600×400 → 320×213 (whole pixels: x scale 320/600, y scale 213/400), placed 53 px from the top.
    const [kx, ky] = [320 / 600, 213 / 400];
    const onInput = [{ box: [10 * kx, 53 + 20 * ky, 300 * kx, 53 + 200 * ky], score: 0.9, label: "cup" }, [0, 0, 320, 320]];
    const { detections } = await runRaw("post/rescale-boxes@v1", {}, { detections: onInput, image }, { image: IMAGE });
    expect(detections).toEqual([
      { box: [10, 20, 300, 200], score: 0.9, label: "cup" },
      { box: [0, 0, 600, 400] }, // the padding maps outside the photo: clipped
    ]);
  });

  it("maps rotated corners, and composes crops with resizes", async () => {
    const crop = (await runRaw("image/crop@v1", { box: [100, 50, 300, 150] }, { image: fixture("images/coffee.jpg") }, { image: IMAGE })).image as TImage;
    const small = (await runRaw("image/resize@v1", { width: 100, height: 50 }, { image: crop }, { image: IMAGE })).image as TImage;
    const { detections } = await runRaw("post/rescale-boxes@v1", { clip: false }, { detections: [{ points: [[0, 0], [100, 0], [100, 50], [0, 50]] }], image: small }, { image: IMAGE });
    expect(detections).toEqual([{ box: [100, 50, 300, 150], points: [[100, 50], [300, 50], [300, 150], [100, 150]] }]);
    await expect(runRaw("post/rescale-boxes@v1", {}, { detections: [{ nope: 1 }], image: small }, { image: IMAGE })).rejects.toMatchObject({ port: "detections", message: expect.stringMatching(/item 0: expected a box/) });
  });
});

describe("post/ctc-decode@v1", () => {
  // PaddleOCR layout: class 0 = blank, class i = characters[i - 1].
  const characters = ["a", "b", "c"];
  const steps = (seq: number[], classes = 4) => seq.flatMap((c) => Array.from({ length: classes }, (_, k) => (k === c ? 0.9 : 0.1 / (classes - 1))));

  it("takes the best class per step, merges repeats, drops blanks, keeps a repeat split by a blank", async () => {
    const logits = f32([1, 8, 4], steps([1, 1, 0, 2, 0, 2, 3, 0]));
    const { text, confidence } = await runRaw("post/ctc-decode@v1", { characters }, { logits });
    expect(text).toBe("abbc");
    expect(confidence).toBeCloseTo(0.9, 6);
    const batch = f32([2, 3, 4], [...steps([3, 3, 3]), ...steps([0, 0, 0])]);
    expect(await runRaw("post/ctc-decode@v1", { characters }, { logits: batch })).toEqual({ text: ["c", ""], confidence: [expect.closeTo(0.9, 6), 0] });
    const noMerge = await runRaw("post/ctc-decode@v1", { characters, mergeRepeated: false }, { logits: f32([2, 4], steps([1, 1])) });
    expect(noMerge.text).toBe("aa");
    const spaced = await runRaw("post/ctc-decode@v1", { characters, appendSpace: true }, { logits: f32([2, 5], steps([1, 4], 5)) });
    expect(spaced.text).toBe("a ");
  });

  it("checks the character list against the classes", async () => {
    expect(inferNode("post/ctc-decode@v1", { characters }, { logits: tk("float32", [1, "steps", 6]) }).issues).toMatchObject([{ code: "SHAPE_MISMATCH", port: "logits" }]);
    const e = await runRawError("post/ctc-decode@v1", { characters: ["a"] }, { logits: f32([1, 3], [0, 0, 1]) });
    expect(e.message).toContain("class 2 at step 0 has no character");
    await expect(runRaw("post/ctc-decode@v1", { characters }, { logits: f32([4], [1, 2, 3, 4]) })).rejects.toMatchObject({ port: "logits" });
  });
});

describe("post/mask-threshold@v1", () => {
  it("thresholds scores or logits into a uint8 mask with its coverage", async () => {
    const out = await runRaw("post/mask-threshold@v1", { on: 255 }, { mask: f32([1, 1, 2, 2], [0.1, 0.6, 0.5, 0.4]) });
    expect(plain(out.mask)).toEqual({ dtype: "uint8", shape: [2, 2], data: [0, 255, 255, 0] });
    expect(out.coverage).toBe(0.5);
    expect(plain((await runRaw("post/mask-threshold@v1", { logits: true }, { mask: f32([1, 2], [-3, 3]) })).mask).data).toEqual([0, 1]);
    await expect(runRaw("post/mask-threshold@v1", {}, { mask: f32([2, 2, 2], new Array(8).fill(0)) })).rejects.toMatchObject({ port: "mask" });
  });

  it("maps a mask on a letterboxed input back to the original photo, dropping the padding", async () => {
    // 600×400 letterboxed into 64×64: image rows 11…53 (43 rows); the mask is half size (32×32).
    const { image } = await runRaw("image/resize@v1", { mode: "letterbox", width: 64, height: 64 }, { image: fixture("images/coffee.jpg") }, { image: IMAGE });
    const cells = new Array(32 * 32).fill(0);
    for (let y = 0; y < 32; y++) for (let x = 16; x < 32; x++) cells[y * 32 + x] = 1; // right half on
    const out = await runRaw("post/mask-threshold@v1", {}, { mask: f32([32, 32], cells), image }, { image: IMAGE });
    const m = plain(out.mask);
    expect(m.shape).toEqual([400, 600]);
    expect(m.data[0]).toBe(0);
    expect(m.data[599]).toBe(1);
    expect(out.coverage).toBeCloseTo(0.5, 2);
  });
});

describe("post/format@v1", () => {
  it("fills a template with inputs and parts of them; no template gives {field: value}", async () => {
    const detections = [{ box: [1, 2, 3, 4], label: "cup", score: 0.9 }];
    const probs = tensor("float32", [1, 2], [0.25, 0.75]);
    const out = await runRaw("post/format@v1", { fields: ["detections", "probs"], template: { objects: "$detections", best: "$detections[0].label", p: "$probs.data[1]", fixed: ["$probs.shape", 7] } }, { detections, probs });
    expect(out.value).toEqual({ objects: detections, best: "cup", p: 0.75, fixed: [[1, 2], 7] });
    expect((await runRaw("post/format@v1", { fields: ["a", "b"] }, { a: 1, b: "x" })).value).toEqual({ a: 1, b: "x" });
    expect(inferNode("post/format@v1", { fields: ["a"], template: { x: "$b" } }, { a: { kind: "any" } }).issues).toMatchObject([{ code: "INVALID_PARAMS", path: "template" }]);
  });
});

describe("post/rescale-boxes@v1 on the encoded input image", () => {
  it("has identity geometry and still clips", async () => {
    const { detections } = await runRaw("post/rescale-boxes@v1", {}, { detections: [[-5, 10, 700, 20]], image: fixture("images/coffee.jpg") }, { image: IMAGE });
    expect(detections).toEqual([{ box: [0, 10, 600, 20] }]);
  });
});

describe("post/text-boxes@v1", () => {
  /** A probability map with a bar rotated by `deg` around (cx, cy), half-sizes hw × hh. */
  function bar(W: number, H: number, cx: number, cy: number, hw: number, hh: number, deg: number, p = 0.9) {
    const a = (deg * Math.PI) / 180;
    const v = new Array<number>(W * H).fill(0.01);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const u = (x - cx) * Math.cos(a) + (y - cy) * Math.sin(a);
        const w = -(x - cx) * Math.sin(a) + (y - cy) * Math.cos(a);
        if (Math.abs(u) <= hw && Math.abs(w) <= hh) v[y * W + x] = p;
      }
    return v;
  }

  it("finds each region's rotated box, grown by the unclip distance, corners clockwise from top-left, top to bottom", async () => {
    const W = 160;
    const H = 96;
    const upper = bar(W, H, 80, 30, 50, 8, 0);
    const lower = bar(W, H, 80, 70, 40, 6, 10);
    const map = upper.map((v, i) => Math.max(v, lower[i]!));
    const { detections, count } = await runRaw("post/text-boxes@v1", {}, { probabilities: f32([1, 1, H, W], map) });
    expect(count).toBe(2);
    const [a, b] = detections as { box: number[]; points: [number, number][]; score: number }[];
    // Upper bar: pixels 30…130 × 22…38 → rect 100 × 16 through pixel centres, grown by 100·16·1.5 / 232 ≈ 10.3.
    expect(a!.points.map(([x, y]) => [Math.round(x), Math.round(y)])).toEqual([
      [20, 12],
      [140, 12],
      [140, 48],
      [20, 48],
    ]);
    expect(a!.score).toBeCloseTo(0.9, 6);
    // Lower bar: tilted 10°, its top edge rises to the left.
    const [tl, tr, br, bl] = b!.points;
    expect(tr![1]).toBeGreaterThan(tl![1]);
    const angle = Math.atan2(tr![1] - tl![1], tr![0] - tl![0]) * (180 / Math.PI);
    expect(Math.abs(angle - 10)).toBeLessThan(1.5); // on whole pixels
    expect(br![0]).toBeGreaterThan(bl![0]);
  });

  it("drops regions thinner than minSize and refuses maps that are not one image", async () => {
    const thin = bar(64, 32, 32, 16, 20, 0.6, 0);
    expect((await runRaw("post/text-boxes@v1", {}, { probabilities: f32([32, 64], thin) })).count).toBe(0);
    await expect(runRaw("post/text-boxes@v1", {}, { probabilities: f32([2, 1, 2, 2], new Array(8).fill(0)) })).rejects.toMatchObject({ port: "probabilities" });
  });
});
