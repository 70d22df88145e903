import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { makeTensor, readNumber } from "../../values/tensor.ts";
import { FLOATS, imageInput, NUMERIC, tensorInput } from "../shared.ts";

export const maskThreshold = defineNode({
  type: "post/mask-threshold@v1",
  title: "Mask threshold",
  category: "postprocessing",
  description:
    "A segmentation mask from per-pixel scores: [H, W], [1, H, W] or [1, 1, H, W] (logits go through a sigmoid first), pixels ≥ threshold become 1 (or 255). Connect the image the model saw (after resize/letterbox) to get the mask back at the original photo's size, padding removed (nearest neighbour). Also gives the fraction of pixels set. Show it with Tensor to image.",
  params: z.object({
    threshold: z.number().default(0.5),
    logits: z.boolean().default(false).meta({ description: "Apply a sigmoid before thresholding" }),
    on: z.int().min(1).max(255).default(1).meta({ description: "Value of masked pixels (1, or 255 for an image)" }),
  }),
  ports: {
    inputs: { mask: { kind: kinds.tensor("any") }, image: { kind: kinds.image(), optional: true, description: "The model's input image, to map the mask back" } },
    outputs: { mask: kinds.tensor("uint8"), coverage: kinds.number() },
  },
  execute(inputs, p, ctx) {
    const m = tensorInput(inputs, "mask", { dtypes: NUMERIC });
    const dims = m.shape.filter((d, i) => !(d === 1 && i < m.shape.length - 2));
    if (dims.length !== 2) throw new NodeInputError(`expected one mask [H, W] (batch and channel dims of 1 allowed), got [${m.shape.join(", ")}]`, "mask");
    const [mh, mw] = dims as [number, number];
    const on = (v: number) => (p.logits && FLOATS.includes(m.dtype) ? 1 / (1 + Math.exp(-v)) : v) >= p.threshold;
    let out: Uint8Array;
    let shape: number[];
    if (inputs.image === undefined) {
      out = new Uint8Array(mh * mw);
      for (let i = 0; i < out.length; i++) out[i] = on(readNumber(m, i)) ? p.on : 0;
      shape = [mh, mw];
    } else {
      const image = imageInput(inputs, "image", ctx);
      const f = image.frame;
      const [W, H] = [f.originalWidth, f.originalHeight];
      out = new Uint8Array(W * H);
      // Each original pixel centre → model-input pixel → mask cell (the mask may be smaller than the input).
      for (let y = 0; y < H; y++) {
        const iy = (y + 0.5 - f.dy) / f.sy;
        const my = Math.floor((iy * mh) / image.height);
        for (let x = 0; x < W; x++) {
          const ix = (x + 0.5 - f.dx) / f.sx;
          const mx = Math.floor((ix * mw) / image.width);
          if (mx < 0 || my < 0 || mx >= mw || my >= mh) continue;
          if (on(readNumber(m, my * mw + mx))) out[y * W + x] = p.on;
        }
      }
      shape = [H, W];
    }
    let set = 0;
    for (let i = 0; i < out.length; i++) if (out[i]) set++;
    return { mask: makeTensor("uint8", shape, out), coverage: out.length ? set / out.length : 0 };
  },
});
