import type { TAnyNodeDefinition } from "../define-node.ts";
import { createRegistry } from "../registry.ts";
import { decode as decodeAudio } from "./audio/decode.ts";
import { frame } from "./audio/frame.ts";
import { mono } from "./audio/mono.ts";
import { resample } from "./audio/resample.ts";
import { speechSegments } from "./audio/speech-segments.ts";
import { centerCrop } from "./image/center-crop.ts";
import { colour } from "./image/colour.ts";
import { crop, cropBoxes } from "./image/crop.ts";
import { decode } from "./image/decode.ts";
import { encode } from "./image/encode.ts";
import { fromTensor } from "./image/from-tensor.ts";
import { resize } from "./image/resize.ts";
import { toTensor } from "./image/to-tensor.ts";
import { input } from "./io/input.ts";
import { filter } from "./list/filter.ts";
import { map } from "./list/map.ts";
import { rows } from "./list/rows.ts";
import { scan } from "./list/scan.ts";
import { zip } from "./list/zip.ts";
import { output } from "./io/output.ts";
import { branch } from "./logic/branch.ts";
import { ensemble } from "./logic/ensemble.ts";
import { merge } from "./logic/merge.ts";
import { subPipeline } from "./logic/pipeline.ts";
import { onnx } from "./model/onnx.ts";
import { argmax } from "./post/argmax.ts";
import { ctcDecode } from "./post/ctc-decode.ts";
import { detections } from "./post/detections.ts";
import { format } from "./post/format.ts";
import { maskThreshold } from "./post/mask-threshold.ts";
import { nms } from "./post/nms.ts";
import { rescaleBoxes } from "./post/rescale-boxes.ts";
import { textBoxes } from "./post/text-boxes.ts";
import { inverseScale } from "./post/inverse-scale.ts";
import { labelMap } from "./post/label-map.ts";
import { sigmoid } from "./post/sigmoid.ts";
import { softmax } from "./post/softmax.ts";
import { threshold } from "./post/threshold.ts";
import { topK } from "./post/top-k.ts";
import { clip } from "./tabular/clip.ts";
import { hashVectorize } from "./text/hash-vectorize.ts";
import { join } from "./text/join.ts";
import { normalize } from "./text/normalize.ts";
import { tokenize } from "./text/tokenize.ts";
import { features } from "./tabular/features.ts";
import { impute } from "./tabular/impute.ts";
import { minMaxScale } from "./tabular/min-max-scale.ts";
import { oneHot } from "./tabular/one-hot.ts";
import { standardScale } from "./tabular/standard-scale.ts";
import { arithmetic } from "./tensor/arithmetic.ts";
import { cast } from "./tensor/cast.ts";
import { tensorClip } from "./tensor/clip.ts";
import { concat } from "./tensor/concat.ts";
import { pad } from "./tensor/pad.ts";
import { reduce } from "./tensor/reduce.ts";
import { reshape } from "./tensor/reshape.ts";
import { slice } from "./tensor/slice.ts";
import { squeeze } from "./tensor/squeeze.ts";
import { stack } from "./tensor/stack.ts";
import { transpose } from "./tensor/transpose.ts";
import { unsqueeze } from "./tensor/unsqueeze.ts";

/**
 * Every node type, listed explicitly and in catalogue order — roughly the order a pipeline uses them:
 * inputs, media and feature preparation, tensor plumbing, models, postprocessing, lists, control flow. Checked for
 * duplicates when the registry is built.
 */
export const NODE_DEFINITIONS: readonly TAnyNodeDefinition[] = [
  // io
  input,
  output,
  // image
  decode,
  resize,
  centerCrop,
  crop,
  cropBoxes,
  colour,
  toTensor,
  fromTensor,
  encode,
  // text
  normalize,
  tokenize,
  hashVectorize,
  join,
  // audio
  decodeAudio,
  mono,
  resample,
  frame,
  speechSegments,
  // tabular
  features,
  oneHot,
  impute,
  standardScale,
  minMaxScale,
  clip,
  // tensor
  cast,
  reshape,
  squeeze,
  unsqueeze,
  transpose,
  slice,
  pad,
  concat,
  stack,
  arithmetic,
  tensorClip,
  reduce,
  // model
  onnx,
  // postprocessing
  softmax,
  sigmoid,
  argmax,
  topK,
  labelMap,
  threshold,
  inverseScale,
  nms,
  detections,
  rescaleBoxes,
  textBoxes,
  maskThreshold,
  ctcDecode,
  format,
  // lists
  map,
  scan,
  rows,
  zip,
  filter,
  // logic
  branch,
  merge,
  ensemble,
  subPipeline,
];

export const registry = createRegistry(NODE_DEFINITIONS);
