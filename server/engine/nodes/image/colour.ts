import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { IMAGE_COLOURS, withColour } from "../../values/image.ts";
import { imageInput, imageKindOf } from "../shared.ts";

export const colour = defineNode({
  type: "image/colour@v1",
  title: "Convert colour",
  category: "image",
  description: "Changes the channel layout: rgb, bgr (OpenCV-trained models), gray (one channel, ITU-R BT.601 luma as PIL and OpenCV compute it) or rgba. Applied when the pixels are produced, together with any pending resize.",
  params: z.object({ colour: z.enum(IMAGE_COLOURS).default("rgb") }),
  ports: (p) => ({ inputs: { image: { kind: kinds.image() } }, outputs: { image: kinds.image({ colour: p.colour }) } }),
  infer({ params, inputs }) {
    const k = imageKindOf(inputs.image);
    return { outputs: { image: kinds.image({ width: k?.width, height: k?.height, colour: params.colour }) } };
  },
  execute: (inputs, p, ctx) => ({ image: withColour(imageInput(inputs, "image", ctx), p.colour) }),
});
