import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { imageFromPixels, type TColour } from "../../values/image.ts";
import { readNumber } from "../../values/tensor.ts";
import { dtypeIssue, NUMERIC, tensorInput, tensorKindOf } from "../shared.ts";

type TLayout = "HW" | "CHW" | "HWC" | "NCHW" | "NHWC";

/** Heatmap colour stops (viridis, 9 samples) for one-channel tensors. */
const VIRIDIS = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
] as const;

export const fromTensor = defineNode({
  type: "image/from-tensor@v1",
  title: "Tensor to image",
  category: "image",
  description:
    "Shows a tensor as an image: masks, heatmaps, depth maps, generated images. Layout auto reads [H, W] as one channel and [C, H, W] / [1, C, H, W] (C = 1, 3 or 4) as planar, [H, W, C] / [1, H, W, C] as interleaved. Values are mapped to 0–255 by range: minmax (the tensor's own min…max), unit (0…1) or byte (as they are); out-of-range values are clipped. One channel can be coloured with the viridis heatmap. Connect it to an output to get a PNG data URL, or to Encode image.",
  params: z.object({
    layout: z.enum(["auto", "HW", "CHW", "HWC", "NCHW", "NHWC"]).default("auto"),
    range: z.enum(["minmax", "unit", "byte"]).default("minmax"),
    colormap: z.enum(["none", "viridis"]).default("none").meta({ description: "For one-channel tensors" }),
    channels: z.enum(["rgb", "bgr"]).default("rgb").meta({ description: "Order of a three- or four-channel tensor" }),
  }),
  ports: { inputs: { tensor: { kind: kinds.tensor("any") } }, outputs: { image: kinds.image() } },
  infer: ({ inputs }) => ({ issues: dtypeIssue("tensor", tensorKindOf(inputs.tensor), NUMERIC, "a numeric") }),
  execute(inputs, p) {
    const t = tensorInput(inputs, "tensor", { dtypes: NUMERIC });
    const { layout, c, h, w } = resolveLayout(t.shape, p.layout);
    const n = h * w;
    let lo = 0;
    let hi = 255;
    if (p.range === "unit") hi = 1;
    if (p.range === "minmax") {
      lo = Infinity;
      hi = -Infinity;
      for (let i = 0; i < t.data.length; i++) {
        const v = readNumber(t, i);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!(hi > lo)) hi = lo + 1; // constant (or all NaN): black
    }
    const toByte = (v: number) => (Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, Math.round(((v - lo) / (hi - lo)) * 255))));
    const planar = layout === "CHW" || layout === "NCHW" || layout === "HW";
    const at = (k: number, i: number) => readNumber(t, planar ? k * n + i : i * c + k);
    if (c === 1) {
      if (p.colormap === "viridis") {
        const data = new Uint8Array(n * 3);
        for (let i = 0; i < n; i++) {
          const [r, g, b] = viridis(toByte(at(0, i)) / 255);
          data[i * 3] = r;
          data[i * 3 + 1] = g;
          data[i * 3 + 2] = b;
        }
        return { image: imageFromPixels({ data, width: w, height: h, colour: "rgb" }) };
      }
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = toByte(at(0, i));
      return { image: imageFromPixels({ data, width: w, height: h, colour: "gray" }) };
    }
    const data = new Uint8Array(n * c);
    for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) data[i * c + k] = toByte(at(k, i));
    const colour: TColour = c === 4 ? "rgba" : p.channels;
    return { image: imageFromPixels({ data, width: w, height: h, colour: c === 4 && p.channels === "bgr" ? "rgba" : colour }) };
  },
});

function resolveLayout(shape: readonly number[], wanted: "auto" | TLayout): { layout: TLayout; c: number; h: number; w: number } {
  const isC = (d: number | undefined) => d === 1 || d === 3 || d === 4;
  let layout: TLayout;
  if (wanted !== "auto") layout = wanted;
  else if (shape.length === 2) layout = "HW";
  else if (shape.length === 3) layout = isC(shape[0]) && !isC(shape[2]) ? "CHW" : isC(shape[2]) ? "HWC" : "CHW";
  else if (shape.length === 4) layout = isC(shape[1]) && !isC(shape[3]) ? "NCHW" : isC(shape[3]) ? "NHWC" : "NCHW";
  else throw new NodeInputError(`cannot show a rank-${shape.length} tensor [${shape.join(", ")}] as an image: expected rank 2, 3 or 4`, "tensor");
  const rank = { HW: 2, CHW: 3, HWC: 3, NCHW: 4, NHWC: 4 }[layout];
  if (shape.length !== rank) throw new NodeInputError(`layout ${layout} needs rank ${rank}, got [${shape.join(", ")}]`, "tensor");
  if ((layout === "NCHW" || layout === "NHWC") && shape[0] !== 1) throw new NodeInputError(`expected a batch of one image, got [${shape.join(", ")}]`, "tensor");
  const s = layout === "NCHW" || layout === "NHWC" ? shape.slice(1) : shape;
  const [c, h, w] = layout === "HW" ? [1, s[0]!, s[1]!] : layout === "CHW" || layout === "NCHW" ? [s[0]!, s[1]!, s[2]!] : [s[2]!, s[0]!, s[1]!];
  if (!isC(c)) throw new NodeInputError(`an image has 1, 3 or 4 channels; [${shape.join(", ")}] read as ${layout} has ${c}`, "tensor");
  if (h < 1 || w < 1) throw new NodeInputError(`the tensor [${shape.join(", ")}] has no pixels`, "tensor");
  return { layout, c, h, w };
}

function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}
