import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { DEFAULT_MAX_PIXELS, IMAGE_COLOURS, withColour } from "../../values/image.ts";
import { imageInput, imagePixels } from "../shared.ts";

export const decode = defineNode({
  type: "image/decode@v1",
  title: "Decode image",
  category: "image",
  description:
    "Opens a PNG, JPEG or WebP image (from a pipeline input: base64, a data URL or a file upload) with its EXIF orientation applied, refusing images over the pixel limit before decoding them. Pixels are decoded when a later node needs them, in one pass with the resizes that follow; with `verify` on they are decoded here, so a corrupt file fails at this node. Other image nodes also accept encoded images directly, with the default limit.",
  params: z.object({
    colour: z.enum(IMAGE_COLOURS).default("rgb").meta({ description: "Channel layout: rgb, bgr (OpenCV models), rgba, or gray" }),
    maxPixels: z.int().min(1).max(250_000_000).default(DEFAULT_MAX_PIXELS).meta({ description: "Refuse larger images (decompression-bomb guard)" }),
    verify: z.boolean().default(false).meta({ description: "Decode now so corrupt data fails here, not in the node that first needs pixels" }),
  }),
  ports: (p) => ({
    inputs: { image: { kind: kinds.image() } },
    outputs: { image: kinds.image({ colour: p.colour }), width: kinds.integer(), height: kinds.integer() },
  }),
  async execute(inputs, p, ctx) {
    const image = withColour(imageInput(inputs, "image", ctx, { maxPixels: p.maxPixels }), p.colour);
    if (p.verify) await imagePixels(image, "image", ctx);
    return { image, width: image.width, height: image.height };
  },
});
