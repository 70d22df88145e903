import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { IMAGE_FORMATS } from "../../values/image.ts";
import { imageInput, withPortAsync } from "../shared.ts";

const MIME = { png: "image/png", jpeg: "image/jpeg", webp: "image/webp" } as const;

export const encode = defineNode({
  type: "image/encode@v1",
  title: "Encode image",
  category: "image",
  description: "Encodes an image as PNG, JPEG or WebP for the response: a data URL (ready for an <img>) or plain base64. Images sent to an output are PNG data URLs without this node.",
  params: z.object({
    format: z.enum(IMAGE_FORMATS).default("png"),
    quality: z.int().min(1).max(100).default(90).meta({ description: "JPEG and WebP quality" }),
    as: z.enum(["data-url", "base64"]).default("data-url"),
  }),
  ports: { inputs: { image: { kind: kinds.image() } }, outputs: { encoded: kinds.string() } },
  async execute(inputs, p, ctx) {
    const image = imageInput(inputs, "image", ctx);
    const bytes = await withPortAsync("image", () => ctx.codecs.image.encode(image, p.format, { quality: p.quality }));
    const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
    return { encoded: p.as === "data-url" ? `data:${MIME[p.format]};base64,${b64}` : b64 };
  },
});
