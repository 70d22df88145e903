import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { kinds } from "../../types/kinds.ts";
import { fromNumbers, readNumber } from "../../values/tensor.ts";
import { FLOATS, normAxis, tensorInput } from "../shared.ts";

export const softmax = defineNode({
  type: "post/softmax@v1",
  title: "Softmax",
  category: "postprocessing",
  description: "Turns logits into probabilities along an axis (numerically stable: the max is subtracted first).",
  params: z.object({ axis: z.int().default(-1) }),
  ports: { inputs: { x: { kind: kinds.tensor("any") } }, outputs: { y: kinds.tensor("float32") } },
  infer: ({ inputs }) => (inputs.x?.kind === "tensor" ? { outputs: { y: kinds.tensor("float32", inputs.x.shape) } } : {}),
  execute(inputs, p) {
    const x = tensorInput(inputs, "x", { dtypes: FLOATS, minRank: 1 });
    const axis = normAxis(p.axis, x.shape.length);
    const len = x.shape[axis]!;
    const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const outer = x.data.length / (len * inner || 1);
    const out = new Float32Array(x.data.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (k: number) => o * len * inner + k * inner + i;
        let max = -Infinity;
        for (let k = 0; k < len; k++) max = Math.max(max, readNumber(x, at(k)));
        let sum = 0;
        for (let k = 0; k < len; k++) sum += out[at(k)] = Math.exp(readNumber(x, at(k)) - max);
        for (let k = 0; k < len; k++) out[at(k)]! /= sum;
      }
    }
    return { y: fromNumbers("float32", x.shape, out) };
  },
});
