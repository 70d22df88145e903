import type { Edge, Node } from "@xyflow/react";
import type { TRouterOutputs } from "@/components/trpc/client";
import type { TGraph, TLayout } from "@/server/engine/graph/schema.ts";
import type { TKind } from "@/server/engine/types/kinds.ts";

export type { TGraph, TLayout, TKind };
export type TGraphNode = TGraph["nodes"][number];
export type TGraphEdge = TGraph["edges"][number];
export type TJsonValue = TGraphNode["params"][string];
export type TParams = Record<string, TJsonValue>;

export type TCatalogEntry = TRouterOutputs["nodes"]["catalog"][number];
export type TValidation = TRouterOutputs["pipelines"]["validate"];
export type TCompileIssue = TValidation["issues"][number];
export type TRunResult = TRouterOutputs["runs"]["test"];
export type TTraceEntry = TRunResult["trace"][number];

/** A pipeline node on the canvas. Run status and validation live in their own stores, keyed by node id. */
export interface TStepData extends Record<string, unknown> {
  type: string;
  params: TParams;
  label?: string | undefined;
  /** Only on read-only diff views: how this node differs between the two graphs. */
  diff?: "added" | "removed" | "changed" | undefined;
  /** Only inside a sub-graph: what an io node is at its boundary ("element", "state in", "list out"…). */
  boundary?: string | undefined;
}
export type TStepNode = Node<TStepData, "step">;
export type TFlowNode = TStepNode;
export type TFlowEdge = Edge<{ diff?: "added" | "removed" } & Record<string, unknown>>;

export interface TPort {
  name: string;
  kind: TKind | undefined;
  optional?: boolean;
}
export interface TNodePorts {
  inputs: TPort[];
  outputs: TPort[];
  /** false when the ports depend on params and are not known yet. */
  known: boolean;
}
