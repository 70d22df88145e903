import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { toXyxy, type TDetection } from "../../values/boxes.ts";
import { readNumber } from "../../values/tensor.ts";
import { NUMERIC, tensorInput } from "../shared.ts";
import { zBoxFormat } from "./nms.ts";

export const detections = defineNode({
  type: "post/detections@v1",
  title: "Format detections",
  category: "postprocessing",
  description:
    "Detections from a model that already did its own suppression (SSD, DETR, exported YOLO with NMS): boxes [N, 4], scores [N] and optional class ids [N] (each may carry a batch dim of 1). Keeps scores ≥ scoreThreshold, names classes with labels (labelOffset: 1 when class 0 is the background), and emits {box: [x1, y1, x2, y2], score, classId, label}, best first. normalized boxes (0–1) are multiplied by width/height.",
  params: z.object({
    format: zBoxFormat,
    scoreThreshold: z.number().min(0).max(1).default(0.5),
    labels: z.array(z.string()).max(100_000).optional(),
    labelOffset: z.int().min(-1).max(1).default(0).meta({ description: "labels[classId - labelOffset]" }),
    normalized: z.boolean().default(false).meta({ description: "Boxes are fractions of the image size" }),
    width: z.number().positive().optional().meta({ description: "Image width, for normalized boxes" }),
    height: z.number().positive().optional().meta({ description: "Image height, for normalized boxes" }),
    maxDetections: z.int().min(1).max(10_000).default(300),
  }).refine((p) => !p.normalized || (p.width !== undefined && p.height !== undefined), { message: "normalized boxes need width and height", path: ["normalized"] }),
  ports: {
    inputs: { boxes: { kind: kinds.tensor("any") }, scores: { kind: kinds.tensor("any") }, classes: { kind: kinds.tensor("any"), optional: true } },
    outputs: { detections: kinds.list(kinds.json()), count: kinds.integer() },
  },
  execute(inputs, p) {
    const boxes = tensorInput(inputs, "boxes", { dtypes: NUMERIC });
    const scores = tensorInput(inputs, "scores", { dtypes: NUMERIC });
    const classes = inputs.classes === undefined ? undefined : tensorInput(inputs, "classes", { dtypes: NUMERIC });
    const n = boxes.data.length / 4;
    if (!Number.isInteger(n) || boxes.shape[boxes.shape.length - 1] !== 4) throw new NodeInputError(`expected [N, 4] boxes, got [${boxes.shape.join(", ")}]`, "boxes");
    if (scores.data.length !== n) throw new NodeInputError(`${scores.data.length} scores for ${n} boxes`, "scores");
    if (classes && classes.data.length !== n) throw new NodeInputError(`${classes.data.length} class ids for ${n} boxes`, "classes");
    const [sx, sy] = p.normalized ? [p.width!, p.height!] : [1, 1];
    const out: TDetection[] = [];
    for (let i = 0; i < n; i++) {
      const score = readNumber(scores, i);
      if (!(score >= p.scoreThreshold)) continue;
      const [a, b, c, d] = [0, 1, 2, 3].map((k) => readNumber(boxes, i * 4 + k) * (k % 2 === 0 ? sx : sy)) as [number, number, number, number];
      const classId = classes ? Math.round(readNumber(classes, i)) : 0;
      const label = p.labels?.[classId - p.labelOffset];
      if (p.labels && label === undefined) throw new NodeInputError(`class ${classId} of box ${i} has no label (${p.labels.length} labels, offset ${p.labelOffset})`, "classes");
      out.push({ box: toXyxy(a, b, c, d, p.format), score, classId, ...(label !== undefined ? { label } : {}) });
    }
    out.sort((x, y) => y.score! - x.score!);
    const detections = out.slice(0, p.maxDetections);
    return { detections, count: detections.length };
  },
});
