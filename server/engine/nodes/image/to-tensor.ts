import { z } from "zod";
import { defineNode, type TNodeIssue } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds, type TDim } from "../../types/kinds.ts";
import { CHANNELS } from "../../values/image.ts";
import { makeTensor } from "../../values/tensor.ts";
import { imageInput, imageKindOf, imagePixels } from "../shared.ts";

const LAYOUTS = ["NCHW", "NHWC", "CHW", "HWC"] as const;
type TLayout = (typeof LAYOUTS)[number];

function shapeFor(layout: TLayout, c: TDim, h: TDim, w: TDim): TDim[] {
  switch (layout) {
    case "NCHW":
      return [1, c, h, w];
    case "NHWC":
      return [1, h, w, c];
    case "CHW":
      return [c, h, w];
    case "HWC":
      return [h, w, c];
  }
}

export const toTensor = defineNode({
  type: "image/to-tensor@v1",
  title: "Image to tensor",
  category: "image",
  description:
    "Pixels → model input. float32: value = (pixel × scale − mean[c]) / std[c] per channel c, in the image's channel order (convert to bgr first for OpenCV-trained models); ImageNet is scale 1/255, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225]. uint8: the raw pixels. Layout NCHW (PyTorch, ONNX) or NHWC (TensorFlow), with or without the batch dim of 1.",
  params: z
    .object({
      layout: z.enum(LAYOUTS).default("NCHW"),
      dtype: z.enum(["float32", "uint8"]).default("float32"),
      scale: z.number().positive().default(1 / 255).meta({ description: "Pixel values (0–255) are multiplied by this first" }),
      mean: z.array(z.number()).min(1).max(4).default([0]).meta({ description: "Subtracted per channel after scaling (one value: every channel)" }),
      std: z.array(z.number().positive()).min(1).max(4).default([1]).meta({ description: "Divided by per channel after subtracting the mean" }),
    })
    .refine((p) => p.dtype === "float32" || (p.mean.every((m) => m === 0) && p.std.every((s) => s === 1)), {
      message: "uint8 output holds the raw pixels: leave mean and std at their defaults",
      path: ["dtype"],
    }),
  ports: (p) => ({ inputs: { image: { kind: kinds.image() } }, outputs: { tensor: kinds.tensor(p.dtype, shapeFor(p.layout, null, null, null)) } }),
  infer({ params, inputs }) {
    const k = imageKindOf(inputs.image);
    const c = k?.colour ? CHANNELS[k.colour] : null;
    const issues: TNodeIssue[] = [];
    for (const key of ["mean", "std"] as const) {
      if (c !== null && params[key].length !== 1 && params[key].length !== c) {
        issues.push({ code: "SHAPE_MISMATCH", port: "image", message: `has ${params[key].length} ${key} values but the image has ${c} channels`, expected: String(c), actual: String(params[key].length) });
      }
    }
    return { outputs: { tensor: kinds.tensor(params.dtype, shapeFor(params.layout, c, k?.height ?? null, k?.width ?? null)) }, issues };
  },
  async execute(inputs, p, ctx) {
    const image = imageInput(inputs, "image", ctx);
    const px = await imagePixels(image, "image", ctx);
    const c = px.channels;
    for (const key of ["mean", "std"] as const) {
      if (p[key].length !== 1 && p[key].length !== c) throw new NodeInputError(`${p[key].length} ${key} values for a ${c}-channel (${px.colour}) image`, "image");
    }
    const shape = shapeFor(p.layout, c, px.height, px.width) as number[];
    const planar = p.layout === "NCHW" || p.layout === "CHW";
    if (p.dtype === "uint8") {
      return { tensor: makeTensor("uint8", shape, planar ? toPlanar(px.data, c) : new Uint8Array(px.data)) };
    }
    return { tensor: makeTensor("float32", shape, normalise(px.data, c, planar, p.scale, p.mean, p.std)) };
  },
});

/** (v × scale − mean) / std as v × a + b, per channel, interleaved → planar or interleaved. */
function normalise(data: Uint8Array, c: number, planar: boolean, scale: number, mean: number[], std: number[]): Float32Array {
  const out = new Float32Array(data.length);
  const n = data.length / c;
  const a = Array.from({ length: c }, (_, k) => scale / (std[k] ?? std[0]!));
  const b = Array.from({ length: c }, (_, k) => -(mean[k] ?? mean[0]!) / (std[k] ?? std[0]!));
  if (!planar) {
    for (let i = 0; i < data.length; i++) {
      const k = i % c;
      out[i] = data[i]! * a[k]! + b[k]!;
    }
    return out;
  }
  if (c === 3) {
    const [a0, a1, a2] = a as [number, number, number];
    const [b0, b1, b2] = b as [number, number, number];
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      out[i] = data[j]! * a0 + b0;
      out[n + i] = data[j + 1]! * a1 + b1;
      out[2 * n + i] = data[j + 2]! * a2 + b2;
    }
    return out;
  }
  for (let k = 0; k < c; k++) {
    const ak = a[k]!;
    const bk = b[k]!;
    for (let i = 0, o = k * n; i < n; i++) out[o + i] = data[i * c + k]! * ak + bk;
  }
  return out;
}

function toPlanar(data: Uint8Array, c: number): Uint8Array {
  const n = data.length / c;
  const out = new Uint8Array(data.length);
  for (let k = 0; k < c; k++) for (let i = 0; i < n; i++) out[k * n + i] = data[i * c + k]!;
  return out;
}
