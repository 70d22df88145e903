import { z } from "zod";
import { defineNode, type TExecContext } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { parseBox, type TQuad, type TXyxy } from "../../values/boxes.ts";
import { extractImage, imageFromPixels, type TImage } from "../../values/image.ts";
import { imageInput, imageKindOf, imagePixels } from "../shared.ts";
import { rotate90ccw, warpQuad } from "./warp.ts";

export const zCropParams = z.object({
  padding: z.number().min(0).max(1000).default(0).meta({ description: "Grow each box by this many pixels on every side (clipped to the image)" }),
  rotateTall: z.number().min(0).default(0).meta({ description: "Turn crops whose height / width ≥ this 90° counter-clockwise (PaddleOCR: 1.5); 0 = never" }),
});
type TCropParams = z.infer<typeof zCropParams>;

/**
 * One crop of an image, in its pixel coordinates. Axis-aligned boxes become an extract of the decoded
 * image (lazy, fused with a following resize); rotated boxes (four corners) a perspective warp.
 */
export async function cropOne(image: TImage, boxValue: unknown, p: TCropParams, ctx: TExecContext, port: string): Promise<TImage> {
  let parsed: { box: TXyxy; points?: TQuad };
  try {
    parsed = parseBox(boxValue);
  } catch (e) {
    throw new NodeInputError((e as Error).message, port);
  }
  // The source is decoded once (memoised per image value) however many boxes are cut from it.
  const px = await imagePixels(image, "image", ctx);
  const base = imageFromPixels(px, image.frame);
  if (parsed.points && !isAxisAligned(parsed.points)) {
    let warped = warpQuad(px, grow(parsed.points, p.padding));
    if (p.rotateTall > 0 && warped.height / warped.width >= p.rotateTall) warped = rotate90ccw(warped, px.channels);
    // A rotated crop has no exact frame: it maps its bounding box back, which is what box rescaling needs.
    const [x1, y1, x2, y2] = parsed.box;
    const frame = { ...image.frame, sx: (image.frame.sx * (x2 - x1)) / warped.width, sy: (image.frame.sy * (y2 - y1)) / warped.height, dx: image.frame.dx + x1 * image.frame.sx, dy: image.frame.dy + y1 * image.frame.sy };
    return imageFromPixels({ ...warped, colour: px.colour }, frame);
  }
  const [x1, y1, x2, y2] = parsed.box;
  const left = Math.max(0, Math.floor(x1 - p.padding));
  const top = Math.max(0, Math.floor(y1 - p.padding));
  const right = Math.min(image.width, Math.ceil(x2 + p.padding));
  const bottom = Math.min(image.height, Math.ceil(y2 + p.padding));
  if (right - left < 1 || bottom - top < 1) {
    throw new NodeInputError(`box [${parsed.box.map((v) => Math.round(v * 10) / 10).join(", ")}] has no area inside the ${image.width}×${image.height} image`, port);
  }
  const crop = extractImage(base, left, top, right - left, bottom - top);
  if (p.rotateTall > 0 && crop.height / crop.width >= p.rotateTall) {
    const cpx = await imagePixels(crop, "image", ctx);
    return imageFromPixels({ ...rotate90ccw(cpx, cpx.channels), colour: cpx.colour }, crop.frame);
  }
  return crop;
}

function isAxisAligned(q: TQuad): boolean {
  return q[0][1] === q[1][1] && q[2][1] === q[3][1] && q[0][0] === q[3][0] && q[1][0] === q[2][0];
}

/** The quad moved outwards by `d` pixels along its own axes. */
function grow(q: TQuad, d: number): TQuad {
  if (d === 0) return q;
  const cx = (q[0][0] + q[1][0] + q[2][0] + q[3][0]) / 4;
  const cy = (q[0][1] + q[1][1] + q[2][1] + q[3][1]) / 4;
  return q.map(([x, y]) => {
    const len = Math.hypot(x - cx, y - cy) || 1;
    return [x + ((x - cx) / len) * d * Math.SQRT2, y + ((y - cy) / len) * d * Math.SQRT2];
  }) as TQuad;
}

export const crop = defineNode({
  type: "image/crop@v1",
  title: "Crop",
  category: "image",
  description:
    "Cuts one box out of an image: the `box` input (a detection, [x1, y1, x2, y2] or four corners, in the image's pixels) or the box param. Rotated boxes (four corners, from a text detector) are straightened with a perspective warp. Inside a per-element map, feed it the image and one detection per element.",
  params: zCropParams.extend({
    box: z.array(z.number()).length(4).optional().meta({ description: "[x1, y1, x2, y2] when the box input is not connected" }),
  }),
  ports: { inputs: { image: { kind: kinds.image() }, box: { kind: kinds.json(), optional: true, description: "A detection or box" } }, outputs: { image: kinds.image() } },
  infer: ({ inputs }) => ({ outputs: { image: kinds.image({ colour: imageKindOf(inputs.image)?.colour }) } }),
  async execute(inputs, p, ctx) {
    const image = imageInput(inputs, "image", ctx);
    const box = inputs.box ?? p.box;
    if (box === undefined) throw new NodeInputError("no box: connect the box input or set the box param", "box");
    return { image: await cropOne(image, box, p, ctx, "box") };
  },
});

export const cropBoxes = defineNode({
  type: "image/crop-boxes@v1",
  title: "Crop boxes",
  category: "image",
  description:
    "Cuts every box of a list of detections out of an image (decoded once), in list order: one image per detection. Rotated boxes are straightened. Feed the list to a per-element map to recognise or classify each crop.",
  params: zCropParams,
  ports: { inputs: { image: { kind: kinds.image() }, boxes: { kind: kinds.json(), description: "A list of detections or boxes" } }, outputs: { images: kinds.list(kinds.image()) } },
  infer: ({ inputs }) => ({ outputs: { images: kinds.list(kinds.image({ colour: imageKindOf(inputs.image)?.colour })) } }),
  async execute(inputs, p, ctx) {
    const image = imageInput(inputs, "image", ctx);
    const boxes = inputs.boxes;
    if (!Array.isArray(boxes)) throw new NodeInputError(`expected a list of boxes, got ${boxes === null ? "null" : typeof boxes}`, "boxes");
    const images: TImage[] = [];
    for (const b of boxes) images.push(await cropOne(image, b, p, ctx, "boxes"));
    return { images };
  },
});
