import { z } from "zod";
import { defineNode, type TNodeIssue } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { makeTensor, readNumber } from "../../values/tensor.ts";
import { dtypeIssue, FLOATS, indexOfMax, numberedInputs, numberedTensors, portNames, shapeIssue, tensorKindOf, unifyTensors, zCount } from "../shared.ts";

export const ensemble = defineNode({
  type: "logic/ensemble@v1",
  title: "Ensemble",
  category: "logic",
  description:
    "Combines the class probabilities of several models, each [rows, classes] (or [classes]) of one shape. mean: the average; weighted-mean: weights normalised to sum to 1; vote: each model votes for its top class per row (weighted when weights are given) and the result is each class's share of the votes. The output has the inputs' shape, as float32.",
  params: z
    .object({
      count: zCount(2, 8, "models"),
      method: z.enum(["mean", "weighted-mean", "vote"]).default("mean"),
      weights: z.array(z.number().min(0)).min(2).max(8).optional().meta({ description: "One non-negative weight per input; normalised" }),
    })
    .superRefine((p, ctx) => {
      if (p.method === "weighted-mean" && !p.weights) ctx.addIssue({ code: "custom", path: ["weights"], message: "weighted-mean needs weights" });
      if (!p.weights) return;
      if (p.weights.length !== p.count) ctx.addIssue({ code: "custom", path: ["weights"], message: `needs ${p.count} weights, one per input` });
      if (!p.weights.some((w) => w > 0)) ctx.addIssue({ code: "custom", path: ["weights"], message: "at least one weight must be positive" });
    }),
  ports: (p) => ({ inputs: numberedInputs(p.count, kinds.tensor("any")), outputs: { y: kinds.tensor("float32") } }),
  infer({ params, inputs }) {
    const ports = portNames(params.count);
    const u = unifyTensors(ports, inputs);
    const issues: TNodeIssue[] = ports.flatMap((p) => dtypeIssue(p, tensorKindOf(inputs[p]), FLOATS, "a float (probability)"));
    // A port already reported for a non-float dtype need not be reported again for differing from x0.
    issues.push(...u.issues.filter((i) => !issues.some((j) => j.code === i.code && j.port === i.port)));
    if (u.shape && (u.shape.length < 1 || u.shape.length > 2)) issues.push(shapeIssue("x0", `expects [rows, classes] or [classes], got rank ${u.shape.length}`, "rank 1 or 2", String(u.shape.length)));
    return { outputs: { y: kinds.tensor("float32", u.shape) }, issues };
  },
  execute(inputs, p) {
    const xs = numberedTensors(inputs, p.count, { dtypes: FLOATS });
    const shape = xs[0]!.shape;
    if (shape.length < 1 || shape.length > 2) throw new NodeInputError(`expected [rows, classes] or [classes], got [${shape.join(", ")}]`, "x0");
    xs.forEach((x, i) => {
      if (x.shape.some((d, k) => d !== shape[k])) throw new NodeInputError(`has shape [${x.shape.join(", ")}] but x0 has [${shape.join(", ")}]`, `x${i}`);
    });
    const raw = p.method === "mean" || !p.weights ? xs.map(() => 1) : p.weights;
    const total = raw.reduce((a, b) => a + b, 0);
    const w = raw.map((v) => v / total);
    const classes = shape[shape.length - 1]!;
    const out = new Float32Array(xs[0]!.data.length);
    if (p.method === "vote") {
      if (classes === 0) throw new NodeInputError("there are no classes to vote for", "x0");
      for (let r = 0; r < out.length / classes; r++) {
        xs.forEach((x, m) => {
          out[r * classes + indexOfMax(classes, (c) => readNumber(x, r * classes + c))]! += w[m]!;
        });
      }
    } else {
      for (let i = 0; i < out.length; i++) out[i] = xs.reduce((acc, x, m) => acc + w[m]! * readNumber(x, i), 0);
    }
    return { y: makeTensor("float32", shape, out) };
  },
});
