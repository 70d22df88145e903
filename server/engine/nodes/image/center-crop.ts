import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { imageInput, imageKindOf, withPort, zColour } from "../shared.ts";
import { centerCrop as crop } from "./geometry.ts";

export const centerCrop = defineNode({
  type: "image/center-crop@v1",
  title: "Center crop",
  category: "image",
  description: "The central width × height region (torchvision's CenterCrop: offsets rounded half to even; an image smaller than the crop is padded with padColour first).",
  params: z.object({
    width: z.int().min(1).max(16_384),
    height: z.int().min(1).max(16_384),
    padColour: zColour.default([0, 0, 0]),
  }),
  ports: (p) => ({ inputs: { image: { kind: kinds.image() } }, outputs: { image: kinds.image({ width: p.width, height: p.height }) } }),
  infer: ({ params, inputs }) => ({ outputs: { image: kinds.image({ width: params.width, height: params.height, colour: imageKindOf(inputs.image)?.colour }) } }),
  execute(inputs, p, ctx) {
    const image = imageInput(inputs, "image", ctx);
    return { image: withPort("image", () => crop(image, p.width, p.height, p.padColour)) };
  },
});
