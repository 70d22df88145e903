"use client";

import { Handle, Position, useUpdateNodeInternals, type NodeProps } from "@xyflow/react";
import { memo, useEffect } from "react";
import { useEditorContext } from "./editor-context";
import { formatKind, kindColor } from "./kinds";
import { resolvePorts } from "./ports";
import { useStore } from "./store";
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

  const updateInternals = useUpdateNodeInternals();
  const portKey = `${ports.inputs.map((p) => p.name).join(",")}|${ports.outputs.map((p) => p.name).join(",")}`;
  useEffect(() => updateInternals(id), [id, portKey, updateInternals]);

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

/** Module scope: React Flow re-creates every node when this object changes identity. */
export const nodeTypes = { step: PipelineNode };
