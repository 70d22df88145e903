import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { imageInput, imageKindOf, withPort, zColour } from "../shared.ts";
import { resizeBySpec, staticSize } from "./geometry.ts";

export const zKernel = z.enum(["nearest", "linear", "cubic", "lanczos3"]).default("linear").meta({
  description: "Resampling: linear (PIL/OpenCV bilinear, antialiased when shrinking), cubic, lanczos3 (sharp's default), nearest (masks)",
});

export const resize = defineNode({
  type: "image/resize@v1",
  title: "Resize image",
  category: "image",
  description:
    "Resizes to what the model was trained on. stretch: exactly width × height; letterbox: fit inside keeping the aspect ratio and pad the rest with padColour (YOLO); cover: fill width × height keeping the aspect ratio and crop the overflow; keep-aspect: scale to the given width and/or height; shorter-side / longer-side: scale so that side is `size` (ImageNet's resize 256). Width or height left out mean the image's own; roundTo makes the target a multiple (32 for text detectors). The output remembers the geometry, so Rescale boxes can map detections back to the original image.",
  params: z
    .object({
      mode: z.enum(["stretch", "letterbox", "cover", "keep-aspect", "shorter-side", "longer-side"]).default("stretch"),
      width: z.int().min(1).max(16_384).optional(),
      height: z.int().min(1).max(16_384).optional(),
      size: z.int().min(1).max(16_384).optional().meta({ description: "Side length for shorter-side / longer-side" }),
      maxWidth: z.int().min(1).max(16_384).optional().meta({ description: "keep-aspect: squeeze wider results to this width (PaddleOCR text lines)" }),
      roundTo: z.int().min(1).max(1024).optional().meta({ description: "Make the output size a multiple of this" }),
      rounding: z.enum(["ceil", "round", "floor"]).default("ceil").meta({ description: "How roundTo rounds" }),
      allowUpscale: z.boolean().default(true).meta({ description: "Off: never enlarge (keep-aspect, shorter-side, longer-side)" }),
      kernel: zKernel,
      position: z.enum(["center", "top-left"]).default("center").meta({ description: "Where letterbox puts the image / where cover crops" }),
      padColour: zColour.default([0, 0, 0]),
    })
    .superRefine((p, ctx) => {
      if ((p.mode === "shorter-side" || p.mode === "longer-side") && p.size === undefined) ctx.addIssue({ code: "custom", path: ["size"], message: `${p.mode} needs a size` });
      if (p.mode === "keep-aspect" && p.width === undefined && p.height === undefined) ctx.addIssue({ code: "custom", path: ["width"], message: "keep-aspect needs a width, a height or both" });
      if ((p.mode === "stretch" || p.mode === "cover") && p.width === undefined && p.height === undefined && p.roundTo === undefined) {
        ctx.addIssue({ code: "custom", path: ["width"], message: `${p.mode} needs a width, a height or roundTo` });
      }
    }),
  ports: (p) => {
    const size = staticSize(p);
    return { inputs: { image: { kind: kinds.image() } }, outputs: { image: kinds.image(size ?? {}) } };
  },
  infer({ params, inputs }) {
    const size = staticSize(params);
    return { outputs: { image: kinds.image({ ...(size ?? {}), colour: imageKindOf(inputs.image)?.colour }) } };
  },
  execute(inputs, p, ctx) {
    const image = imageInput(inputs, "image", ctx);
    return { image: withPort("image", () => resizeBySpec(image, p)) };
  },
});
