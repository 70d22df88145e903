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

/** text → tokenize (a vocab.txt or tokenizer.json asset, by reference) → ids. */
export function tokenizeGraph(ref: { name: string; sha256: string }) {
  return {
    schemaVersion: 1,
    nodes: [
      { id: "in", type: "io/input@v1", params: { name: "text", kind: { kind: "string" } } },
      { id: "tok", type: "text/tokenize@v1", params: { tokenizer: ref, maxLength: 8 } },
      { id: "out", type: "io/output@v1", params: { name: "ids" } },
    ],
    edges: [
      { id: "e1", source: { node: "in", port: "value" }, target: { node: "tok", port: "text" } },
      { id: "e2", source: { node: "tok", port: "input_ids" }, target: { node: "out", port: "value" } },
    ],
  };
}
