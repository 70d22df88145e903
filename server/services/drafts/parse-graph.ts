
import { ZGraph, ZLayout, type TGraph, type TLayout } from "../../engine/graph/schema.ts";
import { AppError } from "../../errors.ts";

/** Validate a graph (and layout) at the service boundary; INVALID_GRAPH lists every issue with its path. */
export function parseGraph(graph: unknown, layout: unknown): { graph: TGraph; layout: TLayout } {
  const g = ZGraph.safeParse(graph);
  const l = ZLayout.safeParse(layout);
  if (g.success && l.success) return { graph: g.data, layout: l.data };
  const issues = [
    ...(g.success ? [] : g.error.issues.map((i) => ({ path: ["graph", ...i.path].join("."), message: i.message }))),
    ...(l.success ? [] : l.error.issues.map((i) => ({ path: ["layout", ...i.path].join("."), message: i.message }))),
  ];
  const first = issues[0];
  throw new AppError("INVALID_GRAPH", `The pipeline graph is invalid: ${first ? `${first.path}: ${first.message}` : "unknown error"}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}.`, {
    issues,
  });
}


