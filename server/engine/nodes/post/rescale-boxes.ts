import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { parseBox, type TDetection, type TPoint } from "../../values/boxes.ts";
import { toOriginal, type TImageFrame } from "../../values/image.ts";
import { imageInput } from "../shared.ts";

/** The detection with its box (and corners) mapped through the frame, clipped to the original image. */
export function rescaleDetection(d: unknown, frame: TImageFrame, clip: boolean, round: "none" | "hundredths" | "pixels"): TDetection {
  const { box, points } = parseBox(d);
  const clampX = (v: number) => (clip ? Math.min(frame.originalWidth, Math.max(0, v)) : v);
  const clampY = (v: number) => (clip ? Math.min(frame.originalHeight, Math.max(0, v)) : v);
  const r = (v: number) => (round === "hundredths" ? Math.round(v * 100) / 100 : round === "pixels" ? Math.round(v) : v);
  // Rounded, then clipped, as PaddleOCR's ports do with box corners.
  const map = ([x, y]: TPoint): TPoint => {
    const [ox, oy] = toOriginal(frame, x, y);
    return [clampX(r(ox)), clampY(r(oy))];
  };
  const [a, b] = [map([box[0], box[1]]), map([box[2], box[3]])];
  const base = typeof d === "object" && d !== null && !Array.isArray(d) ? (d as Record<string, unknown>) : {};
  return { ...base, box: [a[0], a[1], b[0], b[1]], ...(points ? { points: points.map(map) as TDetection["points"] } : {}) } as TDetection;
}

export const rescaleBoxes = defineNode({
  type: "post/rescale-boxes@v1",
  title: "Rescale boxes",
  category: "postprocessing",
  description:
    "Maps detections found on a preprocessed image back to the original photo: connect the image the model saw (after resize, letterbox or crop) and its detections; the image remembers how it was made, so letterbox padding and scaling are undone exactly. Boxes are clipped to the original image.",
  params: z.object({
    clip: z.boolean().default(true),
    round: z.enum(["none", "hundredths", "pixels"]).default("hundredths").meta({ description: "Round coordinates to 0.01 px, to whole pixels, or not" }),
  }),
  ports: { inputs: { detections: { kind: kinds.json(), description: "A list of detections or boxes" }, image: { kind: kinds.image(), description: "The image the boxes are in" } }, outputs: { detections: kinds.list(kinds.json()) } },
  execute(inputs, p, ctx) {
    const list = inputs.detections;
    if (!Array.isArray(list)) throw new NodeInputError("expected a list of detections", "detections");
    const image = imageInput(inputs, "image", ctx);
    return {
      detections: list.map((d, i) => {
        try {
          return rescaleDetection(d, image.frame, p.clip, p.round);
        } catch (e) {
          throw new NodeInputError(`item ${i}: ${(e as Error).message}`, "detections");
        }
      }),
    };
  },
});
