"use client";

import { useQueries } from "@tanstack/react-query";
import { useId } from "react";
import { useTRPC } from "@/components/trpc/client";
import { AssetPicker, isAssetRefSchema } from "./asset-picker";
import { useEditorContext } from "./editor-context";
import { formatKind, kindColor } from "./kinds";
import { ModelPicker } from "./model-picker";
import { humanize, ParamsForm, type TSchema } from "./params-form";
import { resolvePorts } from "./ports";
import { SUB_PIPELINE_TYPE, SubPipelinePicker } from "./sub-pipeline-picker";
import { hasSubGraph } from "./sub-graph";
import { useStore } from "./store";
import type { TCompileIssue, TFlowNode, TParams } from "./types";

const NO_ISSUES: TCompileIssue[] = [];

/** The selected node: its label, a form for its params, its ports and issues. */
export function Inspector({
  slug,
  node,
  selectionCount,
  modelRefs,
  onParams,
  onLabel,
  onDelete,
  onOpenSub,
}: {
  /** The pipeline: asset params pick among its assets. */
  slug: string;
  node: TFlowNode | null;
  selectionCount: number;
  /** The models the graph uses: label lists can be copied from them. */
  modelRefs: { model: string; version: number }[];
  onParams: (id: string, params: TParams) => void;
  onLabel: (id: string, label: string | undefined) => void;
  onDelete: (id: string) => void;
  /** Opens a For each node's body on the canvas. */
  onOpenSub?: ((id: string) => void) | undefined;
}) {
  const { catalog, validation, readOnly } = useEditorContext();
  const labelId = useId();
  const issues = useStore(validation, (s) => (node ? (s.issuesByNode[node.id] ?? NO_ISSUES) : NO_ISSUES));
  const compiled = useStore(validation, (s) => (node ? s.ports[node.id] : undefined));

  if (!node) {
    return (
      <div className="inspector-empty" data-testid="inspector">
        <p className="empty-title">{selectionCount > 1 ? `${selectionCount} nodes selected` : "Nothing selected"}</p>
        <p className="muted small">
          {selectionCount > 1
            ? "Drag to move them together, Delete to remove them, Ctrl+C to copy them (also into another pipeline)."
            : "Select a node to edit its parameters. Drag nodes in from the palette, then connect an output (right) to an input (left)."}
        </p>
      </div>
    );
  }
  const entry = catalog.get(node.data.type);
  const ports = resolvePorts(entry, compiled);
  const isModel = node.data.type.startsWith("model/onnx@");
  const isSubPipeline = SUB_PIPELINE_TYPE.test(node.data.type);
  const schema = (entry?.paramsSchema ?? {}) as TSchema;
  const hasLabels = !!schema.properties?.labels;
  const params = node.data.params;
  // Asset params ({name, sha256}) get a picker of the pipeline's assets instead of a JSON box.
  const assetParams = Object.entries(schema.properties ?? {}).filter(([, s]) => isAssetRefSchema(s, schema));
  // A For each node's body is edited on the canvas, not as JSON.
  const sub = hasSubGraph(node.data.type);
  const steps = sub ? ((params.graph as { nodes?: unknown[] } | undefined)?.nodes?.length ?? 0) : 0;

  return (
    <div className="inspector" data-testid="inspector">
      <div className="inspector-head">
        <div>
          <h3 className="inspector-title">{entry?.title ?? node.data.type}</h3>
          <code className="inspector-type">{node.data.type}</code>
        </div>
        {!readOnly ? (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => onDelete(node.id)} aria-label="Delete node">
            Delete
          </button>
        ) : null}
      </div>
      {entry ? <p className="inspector-desc">{entry.description}</p> : <p className="field-error">Unknown node type.</p>}
      {sub && onOpenSub ? (
        <div className="inspector-section inspector-subgraph">
          <button type="button" className="btn btn-secondary btn-sm" onClick={() => onOpenSub(node.id)} data-testid="open-subgraph">
            {readOnly ? "View sub-graph" : "Edit sub-graph"}
          </button>
          <span className="muted small">
            {steps} node{steps === 1 ? "" : "s"} inside · or double-click the node
          </span>
        </div>
      ) : null}
      <div className="field">
        <label className="field-label" htmlFor={labelId}>
          Label <span className="pfield-optional">optional</span>
        </label>
        <input id={labelId} className="input" value={node.data.label ?? ""} readOnly={readOnly} placeholder={entry?.title} maxLength={200} onChange={(e) => onLabel(node.id, e.target.value || undefined)} />
        <p className="field-hint">
          Node id <code>{node.id}</code>
        </p>
      </div>
      <div className="inspector-section">
        <h4 className="inspector-section-title">Parameters</h4>
        {isModel ? (
          <ModelPicker
            model={typeof params.model === "string" ? params.model : ""}
            version={typeof params.version === "number" ? params.version : undefined}
            readOnly={readOnly}
            onChange={(v) => onParams(node.id, { ...params, model: v.model, version: v.version })}
          />
        ) : null}
        {isSubPipeline ? (
          <SubPipelinePicker
            slug={slug}
            value={{ pipeline: typeof params.pipeline === "string" ? params.pipeline : undefined, version: typeof params.version === "number" ? params.version : undefined, alias: typeof params.alias === "string" ? params.alias : undefined }}
            readOnly={readOnly}
            onChange={(v) => onParams(node.id, { ...v })}
          />
        ) : null}
        {assetParams.map(([key, s]) => (
          <AssetPicker
            key={`${node.id}:${key}`}
            slug={slug}
            label={humanize(key)}
            description={s.description}
            required={!!schema.required?.includes(key)}
            value={params[key]}
            readOnly={readOnly}
            error={issues.find((i) => i.code === "INVALID_PARAMS" && (i.path === key || i.path?.startsWith(`${key}.`)))?.message}
            onChange={(ref) => {
              const next = { ...params };
              if (ref) next[key] = { name: ref.name, sha256: ref.sha256 };
              else delete next[key];
              onParams(node.id, next);
            }}
          />
        ))}
        {entry && !isSubPipeline ? (
          <ParamsForm
            key={node.id}
            schema={schema}
            value={params}
            onChange={(next) => onParams(node.id, next)}
            issues={issues.filter((i) => i.code === "INVALID_PARAMS")}
            readOnly={readOnly}
            hidden={[...(isModel ? ["model", "version"] : []), ...(isSubPipeline ? ["pipeline", "version", "alias"] : []), ...(sub ? ["graph"] : []), ...assetParams.map(([key]) => key)]}
          />
        ) : null}
        {hasLabels && !readOnly && modelRefs.length ? <LabelsFromModels refs={modelRefs} onUse={(labels) => onParams(node.id, { ...params, labels })} current={params.labels} /> : null}
      </div>
      <div className="inspector-section">
        <h4 className="inspector-section-title">Ports</h4>
        {ports.known ? (
          <ul className="port-list">
            {ports.inputs.map((p) => (
              <li key={`in-${p.name}`}>
                <span className="sig-dir">in</span> <code>{p.name}</code>
                <code className="port-kind" style={{ color: kindColor(p.kind) }}>
                  {p.kind ? formatKind(p.kind) : "?"}
                </code>
              </li>
            ))}
            {ports.outputs.map((p) => (
              <li key={`out-${p.name}`}>
                <span className="sig-dir sig-out">out</span> <code>{p.name}</code>
                <code className="port-kind" style={{ color: kindColor(p.kind) }}>
                  {p.kind ? formatKind(p.kind) : "?"}
                </code>
              </li>
            ))}
            {!ports.inputs.length && !ports.outputs.length ? <li className="muted small">None</li> : null}
          </ul>
        ) : (
          <p className="muted small">This node&apos;s ports depend on its parameters; they appear once the parameters are valid.</p>
        )}
      </div>
      {issues.length ? (
        <div className="inspector-section">
          <h4 className="inspector-section-title">Problems</h4>
          <ul className="problem-list problem-list-compact">
            {issues.map((i, n) => (
              <li key={n} className={`problem problem-${i.severity}`}>
                <span className="problem-icon" aria-hidden="true">
                  {i.severity === "error" ? "✕" : "!"}
                </span>
                <span>{i.message}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

function LabelsFromModels({ refs, onUse, current }: { refs: { model: string; version: number }[]; onUse: (labels: string[]) => void; current: unknown }) {
  const trpc = useTRPC();
  const results = useQueries({ queries: refs.map((r) => ({ ...trpc.models.get.queryOptions({ name: r.model }), staleTime: 30_000 })) });
  const offers = refs
    .map((r, i) => ({ ...r, labels: results[i]?.data?.versions.find((v) => v.number === r.version)?.labels ?? null }))
    .filter((o): o is { model: string; version: number; labels: string[] } => !!o.labels?.length);
  if (!offers.length) return null;
  return (
    <div className="labels-offer">
      {offers.map((o) => {
        const same = JSON.stringify(current) === JSON.stringify(o.labels);
        return (
          <button key={`${o.model}@${o.version}`} type="button" className="btn btn-secondary btn-sm" disabled={same} onClick={() => onUse(o.labels)}>
            {same ? `Labels of ${o.model} v${o.version} in use` : `Use the ${o.labels.length} labels of ${o.model} v${o.version}`}
          </button>
        );
      })}
    </div>
  );
}
