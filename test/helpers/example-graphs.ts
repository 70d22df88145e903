import { GraphBuilder } from "./graph-builder.ts";

/** A model-free classifier: record → features → scale → softmax → top-k, with named input/outputs. */
export function toyClassifierGraph() {
  const g = new GraphBuilder();
  const rec = g.input("flower", { kind: "json" });
  g.add("tabular/features@v1", { fields: ["a", "b"] }, "features");
  g.add("tabular/standard-scale@v1", { mean: [1, 2], std: [2, 4] }, "scale");
  g.add("post/softmax@v1", {}, "softmax");
  g.add("post/top-k@v1", { k: 2, labels: ["left", "right"] }, "topk");
  g.connect(rec, "value", "features", "record");
  g.connect("features", "features", "scale", "x");
  g.connect("scale", "y", "softmax", "x");
  g.connect("softmax", "y", "topk", "scores");
  g.output("label", "topk", "label");
  g.output("scores", "softmax", "y");
  return g.build();
}
