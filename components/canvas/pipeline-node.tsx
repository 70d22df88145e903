"use client";

import { Handle, Position, useStoreApi, useUpdateNodeInternals, type NodeProps } from "@xyflow/react";
import { memo, useEffect, useRef } from "react";
import { useEditorContext } from "./editor-context";
import { formatKind, kindColor } from "./kinds";
import { resolvePorts } from "./ports";
import { useStore } from "./store";
import { hasSubGraph } from "./sub-graph";
import { formatMs, paramSummary, valuePreview } from "./summaries";
import type { TPort, TStepNode } from "./types";

const NO_ISSUES: never[] = [];

/** A pipeline step: title, what it is set to, labelled ports coloured by kind, issues and run status. */
function PipelineNodeImpl({ id, data, selected }: NodeProps<TStepNode>) {
  const { catalog, validation, run } = useEditorContext();
  const entry = catalog.get(data.type);
  const compiled = useStore(validation, (s) => s.ports[id]);
  const issues = useStore(validation, (s) => s.issuesByNode[id] ?? NO_ISSUES);
  const trace = useStore(run, (s) => s.byNode[id]);
  const ports = resolvePorts(entry, compiled);

  useHandlesChanged(id, `${ports.inputs.map((p) => p.name).join(",")}|${ports.outputs.map((p) => p.name).join(",")}`);

  const errors = issues.filter((i) => i.severity === "error");
  const warnings = issues.length - errors.length;
  const summary = paramSummary(data.type, data.params);
  const rows = Math.max(ports.inputs.length, ports.outputs.length);
  const category = entry?.category ?? "unknown";
  const status = trace?.status;

  return (
    <div
      className={[
        "pnode",
        `pnode-${category}`,
        selected ? "pnode-selected" : "",
        errors.length ? "pnode-invalid" : warnings ? "pnode-warning" : "",
        status ? `pnode-run-${status}` : "",
        data.diff ? `pnode-diff-${data.diff}` : "",
      ].join(" ")}
      data-testid={`node-${id}`}
      data-node-type={data.type}
    >
      <div className="pnode-header">
        <span className="pnode-dot" aria-hidden="true" />
        <span className="pnode-title">{data.label || entry?.title || data.type}</span>
        {data.boundary ? (
          <span className="pnode-boundary" title="Where this sub-graph meets the node that runs it" data-testid={`node-${id}-boundary`}>
            {data.boundary}
          </span>
        ) : null}
        {errors.length ? (
          <span className="pnode-issue-badge" title={errors.map((i) => i.message).join("\n")} data-testid={`node-${id}-errors`}>
            {errors.length}
          </span>
        ) : warnings ? (
          <span className="pnode-issue-badge pnode-issue-warning" title={issues.map((i) => i.message).join("\n")}>
            !
          </span>
        ) : null}
      </div>
      <div className="pnode-sub">
        <span className="pnode-type">{data.label ? entry?.title : data.type.replace(/@v\d+$/, "")}</span>
        {summary ? <span className="pnode-summary">{summary}</span> : null}
      </div>
      {rows > 0 ? (
        <div className="pnode-ports">
          {Array.from({ length: rows }, (_, i) => (
            <div className="pnode-port-row" key={i}>
              <PortCell port={ports.inputs[i]} side="in" nodeId={id} />
              <PortCell port={ports.outputs[i]} side="out" nodeId={id} />
            </div>
          ))}
        </div>
      ) : (
        <div className="pnode-noports">{ports.known ? "No ports" : "Set its parameters to see its ports"}</div>
      )}
      {hasSubGraph(data.type) ? (
        <div className="pnode-subgraph" data-testid={`node-${id}-subgraph`}>
          {subGraphSize(data.params)} nodes inside · double-click to open
        </div>
      ) : null}
      {trace ? (
        <div className={`pnode-run pnode-run-${trace.status}`} data-testid={`node-${id}-run`}>
          <span className="pnode-run-status">{trace.status === "ok" ? "✓" : trace.status === "error" ? "✕" : "–"}</span>
          <span className="pnode-run-time">{formatMs(trace.durationMs)}</span>
          {trace.cached ? <span className="pnode-cached">cached</span> : null}
          {trace.error ? (
            <span className="pnode-run-error" title={trace.error}>
              {trace.error}
            </span>
          ) : (
            <span className="pnode-run-preview" title={JSON.stringify(trace.outputs ?? {}, null, 1)}>
              {Object.values(trace.outputs ?? {})
                .slice(0, 1)
                .map((s) => valuePreview(s))
                .join(" ")}
            </span>
          )}
        </div>
      ) : null}
    </div>
  );
}

/**
 * Re-measures a node's handles when its ports change after it mounted (params edited, the compiler's
 * answer). Not on mount: React Flow measures a new node itself. And batched, one call per tick for every
 * node whose ports changed: each call re-measures, notifies every subscriber of React Flow's store and
 * re-renders the editor with a dimensions change, so one call per node made opening a 200-node graph a
 * storm of several seconds (issue 5, item 9; bench/editor-200.ts).
 */
function useHandlesChanged(id: string, portKey: string) {
  // The canvas: its store's getState is one function for every node (useStoreApi's wrapper object and
  // useUpdateNodeInternals' function are made per component).
  const canvas = useStoreApi().getState;
  const updateInternals = useUpdateNodeInternals();
  const measured = useRef(portKey);
  useEffect(() => {
    if (measured.current === portKey) return;
    measured.current = portKey;
    let ids = pendingHandles.get(canvas);
    if (!ids) {
      const batch = new Set<string>();
      pendingHandles.set(canvas, batch);
      queueMicrotask(() => {
        pendingHandles.delete(canvas);
        // A node whose size changed with its ports is re-measured, handles included, by React Flow's
        // ResizeObserver anyway; only those that kept their size need telling. Any node's updateInternals
        // serves the whole batch: it looks the nodes up in its canvas by id.
        const { domNode, nodeLookup } = canvas();
        const stale = [...batch].filter((nodeId) => {
          const el = domNode?.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(nodeId)}"]`);
          const size = nodeLookup.get(nodeId)?.measured;
          return !!el && el.offsetWidth === size?.width && el.offsetHeight === size.height;
        });
        if (stale.length) updateInternals(stale);
      });
      ids = batch;
    }
    ids.add(id);
  }, [id, portKey, canvas, updateInternals]);
}

/** Node ids waiting for a handle re-measure, per canvas. */
const pendingHandles = new WeakMap<object, Set<string>>();

function PortCell({ port, side, nodeId }: { port: TPort | undefined; side: "in" | "out"; nodeId: string }) {
  if (!port) return <div className={`pnode-port pnode-port-${side} pnode-port-empty`} />;
  const color = kindColor(port.kind);
  const kindText = port.kind ? formatKind(port.kind) : "?";
  return (
    <div className={`pnode-port pnode-port-${side}`} title={`${port.name}: ${kindText}${port.optional ? " (optional)" : ""}`}>
      <Handle
        type={side === "in" ? "target" : "source"}
        position={side === "in" ? Position.Left : Position.Right}
        id={port.name}
        className="pnode-handle"
        style={{ background: color, borderColor: color }}
        data-testid={`handle-${nodeId}-${side}-${port.name}`}
      />
      <span className="pnode-port-name">
        {port.name}
        {port.optional ? "?" : ""}
      </span>
      <span className="pnode-port-kind" style={{ color }}>
        {kindText}
      </span>
    </div>
  );
}

export const PipelineNode = memo(PipelineNodeImpl);

function subGraphSize(params: Record<string, unknown>): number {
  const g = params.graph as { nodes?: unknown[] } | undefined;
  return Array.isArray(g?.nodes) ? g.nodes.length : 0;
}

/** Module scope: React Flow re-creates every node when this object changes identity. */
export const nodeTypes = { step: PipelineNode };
