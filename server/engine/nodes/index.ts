import type { TAnyNodeDefinition } from "../define-node.ts";
import { createRegistry } from "../registry.ts";
import { input } from "./io/input.ts";
import { output } from "./io/output.ts";
import { onnx } from "./model/onnx.ts";
import { softmax } from "./post/softmax.ts";
import { topK } from "./post/top-k.ts";
import { features } from "./tabular/features.ts";
import { standardScale } from "./tabular/standard-scale.ts";

/** Every node type, listed explicitly and in catalogue order. Checked for duplicates when the registry is built. */
export const NODE_DEFINITIONS: readonly TAnyNodeDefinition[] = [
  // io
  input,
  output,
  // tabular
  features,
  standardScale,
  // model
  onnx,
  // postprocessing
  softmax,
  topK,
];

export const registry = createRegistry(NODE_DEFINITIONS);
