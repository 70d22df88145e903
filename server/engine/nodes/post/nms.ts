import { z } from "zod";
import { defineNode, type TNodeIssue } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { kinds } from "../../types/kinds.ts";
import { iou, toXyxy, type TDetection } from "../../values/boxes.ts";
import { readNumber, type TAnyTensor } from "../../values/tensor.ts";
import { dtypeIssue, NUMERIC, shapeIssue, tensorInput, tensorKindOf } from "../shared.ts";

export const zBoxFormat = z.enum(["xyxy", "xywh", "cxcywh"]).default("xyxy").meta({ description: "xyxy: corners; xywh: top-left + size; cxcywh: centre + size (YOLO)" });

/** Drops a leading batch dim of 1: [1, N, k] → [N, k]. */
function unbatched(t: TAnyTensor, port: string, rank: number): readonly number[] {
  const s = t.shape.length === rank + 1 && t.shape[0] === 1 ? t.shape.slice(1) : t.shape;
  if (s.length !== rank) throw new NodeInputError(`expected rank ${rank} (or ${rank + 1} with a batch of 1), got [${t.shape.join(", ")}]`, port);
  return s;
}

/**
 * Greedy non-maximum suppression over candidates sorted by score: a box is dropped when it overlaps a kept
 * one (of the same class when classAware) by more than iouThreshold.
 */
export function suppress(cands: TDetection[], iouThreshold: number, classAware: boolean, max: number): TDetection[] {
  const sorted = [...cands].sort((a, b) => b.score! - a.score!);
  const kept: TDetection[] = [];
  for (const c of sorted) {
    if (kept.length >= max) break;
    if (kept.some((k) => (!classAware || k.classId === c.classId) && iou(k.box, c.box) > iouThreshold)) continue;
    kept.push(c);
  }
  return kept;
}

export const nms = defineNode({
  type: "post/nms@v1",
  title: "Non-max suppression",
  category: "postprocessing",
  description:
    "Turns raw detector output into detections: boxes [N, 4] (or [1, N, 4]) in xyxy, xywh or cxcywh, and scores [N] (one class) or [N, classes] (or [1, N, …]). Each box takes its best class (or, with multiLabel, every class above the threshold); boxes under scoreThreshold are dropped; overlapping boxes (IoU > iouThreshold) keep the best, per class when classAware. Output: detections {box: [x1, y1, x2, y2], score, classId, label}, best first. YOLOv8's [1, 84, N] output is Transpose → Slice into boxes and scores first.",
  params: z.object({
    format: zBoxFormat,
    iouThreshold: z.number().min(0).max(1).default(0.45),
    scoreThreshold: z.number().min(0).max(1).default(0.25),
    classAware: z.boolean().default(true).meta({ description: "Suppress only boxes of the same class" }),
    multiLabel: z.boolean().default(false).meta({ description: "One candidate per class above the threshold, not only the best class" }),
    maxDetections: z.int().min(1).max(10_000).default(300),
    labels: z.array(z.string()).max(100_000).optional().meta({ description: "Class names in score order" }),
  }),
  ports: { inputs: { boxes: { kind: kinds.tensor("any") }, scores: { kind: kinds.tensor("any") } }, outputs: { detections: kinds.list(kinds.json()), count: kinds.integer() } },
  infer({ params, inputs }) {
    const b = tensorKindOf(inputs.boxes);
    const s = tensorKindOf(inputs.scores);
    const issues: TNodeIssue[] = [...dtypeIssue("boxes", b, NUMERIC, "a numeric"), ...dtypeIssue("scores", s, NUMERIC, "a numeric")];
    const last = b?.shape?.[b.shape.length - 1];
    if (typeof last === "number" && last !== 4) issues.push(shapeIssue("boxes", `boxes need 4 numbers each, the last dim is ${last}`, "4", String(last)));
    const classes = s?.shape && s.shape.length >= 2 ? s.shape[s.shape.length - 1] : undefined;
    if (params.labels && typeof classes === "number" && classes !== params.labels.length) issues.push(shapeIssue("scores", `has ${classes} classes but there are ${params.labels.length} labels`, String(params.labels.length), String(classes)));
    return { issues };
  },
  execute(inputs, p) {
    const boxes = tensorInput(inputs, "boxes", { dtypes: NUMERIC });
    const scores = tensorInput(inputs, "scores", { dtypes: NUMERIC });
    const [n, four] = unbatched(boxes, "boxes", 2) as [number, number];
    if (four !== 4) throw new NodeInputError(`boxes need 4 numbers each, got [${boxes.shape.join(", ")}]`, "boxes");
    const sShape = scores.shape.length === 1 || (scores.shape.length === 2 && scores.shape[0] === 1 && n !== 1) ? [scores.shape[scores.shape.length - 1]!, 1] : unbatched(scores, "scores", 2);
    const [sn, classes] = sShape as [number, number];
    if (sn !== n) throw new NodeInputError(`${sn} score rows for ${n} boxes`, "scores");
    if (p.labels && p.labels.length !== classes) throw new NodeInputError(`${classes} classes but ${p.labels.length} labels`, "scores");
    const cands: TDetection[] = [];
    for (let i = 0; i < n; i++) {
      const box = toXyxy(readNumber(boxes, i * 4), readNumber(boxes, i * 4 + 1), readNumber(boxes, i * 4 + 2), readNumber(boxes, i * 4 + 3), p.format);
      if (box.some((v) => !Number.isFinite(v))) continue;
      const push = (c: number, score: number) => cands.push({ box, score, classId: c, ...(p.labels ? { label: p.labels[c]! } : {}) });
      if (p.multiLabel) {
        for (let c = 0; c < classes; c++) {
          const sc = readNumber(scores, i * classes + c);
          if (sc >= p.scoreThreshold) push(c, sc);
        }
        continue;
      }
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < classes; c++) {
        const sc = readNumber(scores, i * classes + c);
        if (sc > bestScore) [best, bestScore] = [c, sc];
      }
      if (bestScore >= p.scoreThreshold) push(best, bestScore);
    }
    const detections = suppress(cands, p.iouThreshold, p.classAware, p.maxDetections);
    return { detections, count: detections.length };
  },
});
