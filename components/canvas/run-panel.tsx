"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useId, useState } from "react";
import { useTRPC, useTRPCClient } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";
import { emptyRun, useEditorContext } from "./editor-context";
import { stableJson } from "./graph-doc";
import { formatKind } from "./kinds";
import { recordedInputs, ReplayBanner, ReplayCompare, type TReplay } from "./replay";
import { useStore } from "./store";
import { SUB_PIPELINE_TYPE } from "./sub-pipeline-picker";
import { fmt, formatMs, valuePreview } from "./summaries";
import type { TKind, TRunResult, TTraceEntry } from "./types";

export interface TRunInput {
  name: string;
  nodeId: string;
  kind: TKind;
  required: boolean;
  description?: string | undefined;
}

type TValues = Record<string, string | boolean>;

function usesJsonEditor(kind: TKind): boolean {
  return kind.kind === "json" || kind.kind === "tensor" || kind.kind === "list" || kind.kind === "any";
}

function toFormValue(kind: TKind, v: unknown): string | boolean {
  if (kind.kind === "boolean") return v === true;
  if (kind.kind === "string" || kind.kind === "image") return typeof v === "string" ? v : "";
  if (kind.kind === "number" || kind.kind === "integer") return typeof v === "number" ? String(v) : "";
  return v === undefined ? "" : JSON.stringify(v, null, 2);
}

/** Form values → the inputs object, or per-input errors. */
function buildInputs(inputs: readonly TRunInput[], values: TValues): { inputs: Record<string, unknown>; errors: Record<string, string> } {
  const out: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const i of inputs) {
    const raw = values[i.name];
    if (i.kind.kind === "boolean") {
      out[i.name] = raw === true;
      continue;
    }
    const text = typeof raw === "string" ? raw : "";
    if (text.trim() === "") {
      if (i.required) errors[i.name] = "Required.";
      continue;
    }
    if (i.kind.kind === "number" || i.kind.kind === "integer") {
      const n = Number(text);
      if (!Number.isFinite(n) || (i.kind.kind === "integer" && !Number.isInteger(n))) errors[i.name] = i.kind.kind === "integer" ? "Enter a whole number." : "Enter a number.";
      else out[i.name] = n;
    } else if (usesJsonEditor(i.kind)) {
      try {
        out[i.name] = JSON.parse(text);
      } catch (e) {
        errors[i.name] = `Not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
      }
    } else out[i.name] = text;
  }
  return { inputs: out, errors };
}

/** Test runs of the saved draft: inputs form, samples, outputs, timing waterfall. */
export function RunPanel({
  slug,
  graphKey,
  inputs,
  flush,
  canRun,
  labelOf,
  onFocusNode,
  replay,
  onShowRecorded,
  onReplayRun,
  onCloseReplay,
}: {
  slug: string;
  graphKey: string;
  inputs: readonly TRunInput[];
  flush: () => Promise<boolean>;
  canRun: boolean;
  labelOf: (id: string) => string;
  onFocusNode: (id: string) => void;
  /** A logged call being replayed: its inputs fill the form, its answer is compared with the draft's. */
  replay?: TReplay | undefined;
  onShowRecorded?: (() => void) | null | undefined;
  onReplayRun?: (() => void) | undefined;
  onCloseReplay?: (() => void) | undefined;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const { run } = useEditorContext();
  const state = useStore(run, (s) => s);
  const [values, setValues] = useState<TValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [sampleName, setSampleName] = useState("");
  const samples = useQuery(trpc.samples.list.queryOptions({ slug }));
  const saveSample = useMutation(
    trpc.samples.save.mutationOptions({
      onSuccess: () => {
        setSampleName("");
        void qc.invalidateQueries(trpc.samples.list.queryFilter({ slug }));
      },
    }),
  );
  const deleteSample = useMutation(trpc.samples.delete.mutationOptions({ onSuccess: () => void qc.invalidateQueries(trpc.samples.list.queryFilter({ slug })) }));

  async function execute(vals: TValues) {
    const built = buildInputs(inputs, vals);
    setErrors(built.errors);
    if (Object.keys(built.errors).length) return;
    run.set({ ...run.get(), running: true, error: null });
    const saved = await flush();
    if (!saved) {
      run.set({ ...run.get(), running: false, error: "The draft could not be saved, so it was not run. Resolve the problem shown above the canvas first." });
      return;
    }
    try {
      const result = await client.runs.test.mutate({ slug, target: "draft", inputs: built.inputs });
      setLastInputs(stableJson(built.inputs));
      run.set({ running: false, graphKey, error: null, result, byNode: Object.fromEntries(result.trace.map((t) => [t.nodeId, t])) });
      if (result.status === "error" && result.error.nodeId) onFocusNode(result.error.nodeId);
    } catch (e) {
      run.set({ ...emptyRun, error: errorInfo(e).message });
    }
  }

  function fromSample(sampleInputs: unknown): TValues {
    const obj = (sampleInputs ?? {}) as Record<string, unknown>;
    return Object.fromEntries(inputs.map((i) => [i.name, toFormValue(i.kind, obj[i.name])]));
  }

  // A replayed call's inputs go into the form once, when it is opened (later edits to the form are the user's).
  const recorded = replay ? recordedInputs(replay) : null;
  const [loadedReplay, setLoadedReplay] = useState<string | null>(null);
  /** The inputs of the last run (stable JSON): the comparison says when they are not the recorded ones. */
  const [lastInputs, setLastInputs] = useState<string | null>(null);
  if (replay && recorded && loadedReplay !== replay.id && inputs.length > 0) {
    setLoadedReplay(replay.id);
    setValues(fromSample(recorded.values));
    setErrors({});
  }

  const built = buildInputs(inputs, values);

  return (
    <div className="run-panel" data-testid="run-panel">
      {replay && recorded ? (
        <ReplayBanner
          replay={replay}
          problems={recorded.problems}
          labelOf={labelOf}
          canRun={canRun && inputs.length > 0}
          running={state.running}
          onRun={() => {
            onReplayRun?.();
            void execute(values);
          }}
          onShowRecorded={onShowRecorded ?? null}
          onClose={() => onCloseReplay?.()}
        />
      ) : null}
      <section className="panel-section">
        <h3 className="panel-section-title">Inputs</h3>
        {inputs.length === 0 ? <p className="muted small">This pipeline has no input node yet. Add an Input from the palette.</p> : null}
        {inputs.map((i) => (
          <RunInputField
            key={i.name}
            input={i}
            value={values[i.name] ?? (i.kind.kind === "boolean" ? false : "")}
            error={errors[i.name]}
            onChange={(v) => {
              setValues((old) => ({ ...old, [i.name]: v }));
              setErrors((old) => Object.fromEntries(Object.entries(old).filter(([k]) => k !== i.name)));
            }}
          />
        ))}
        <div className="button-row">
          <button type="button" className="btn btn-primary" disabled={!canRun || state.running || inputs.length === 0} onClick={() => void execute(values)} data-testid="run-draft">
            {state.running ? "Running…" : "▶ Run draft"}
          </button>
          {state.result ? (
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => run.set(emptyRun)}>
              Clear results
            </button>
          ) : null}
        </div>
        {!canRun ? <p className="muted small">Test runs need the editor role.</p> : null}
      </section>

      {state.error ? (
        <Alert tone="error" title="The run did not start">
          {state.error}
        </Alert>
      ) : null}
      {state.result && replay && recorded ? (
        <ReplayCompare replay={replay} result={state.result} labelOf={labelOf} sameInputs={Object.keys(recorded.problems).length === 0 && lastInputs === stableJson(recorded.values)} />
      ) : null}
      {state.result ? <RunResult result={state.result} labelOf={labelOf} onFocusNode={onFocusNode} /> : null}

      <section className="panel-section">
        <h3 className="panel-section-title">Samples</h3>
        {samples.isPending ? <p className="muted small">Loading…</p> : null}
        {samples.data?.length === 0 ? <p className="muted small">No samples yet. Fill in the inputs and save them as a sample to re-run them with one click.</p> : null}
        <ul className="sample-list">
          {samples.data?.map((s) => (
            <li key={s.id} className="sample" data-testid={`sample-${s.name}`}>
              <span className="sample-name">{s.name}</span>
              <button
                type="button"
                className="btn btn-secondary btn-sm"
                disabled={!canRun || state.running}
                onClick={() => {
                  const v = fromSample(s.inputs);
                  setValues(v);
                  void execute(v);
                }}
              >
                ▶ Run
              </button>
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => setValues(fromSample(s.inputs))}>
                Load
              </button>
              {canRun ? (
                <button type="button" className="icon-button" aria-label={`Delete sample ${s.name}`} onClick={() => deleteSample.mutate({ slug, id: s.id })}>
                  ×
                </button>
              ) : null}
            </li>
          ))}
        </ul>
        {canRun && inputs.length ? (
          <form
            className="sample-save"
            onSubmit={(e) => {
              e.preventDefault();
              if (Object.keys(built.errors).length) {
                setErrors(built.errors);
                return;
              }
              saveSample.mutate({ slug, name: sampleName.trim(), inputs: built.inputs as Record<string, never> });
            }}
          >
            <input className="input input-sm" placeholder="Sample name" aria-label="Sample name" value={sampleName} maxLength={120} onChange={(e) => setSampleName(e.target.value)} />
            <button type="submit" className="btn btn-secondary btn-sm" disabled={!sampleName.trim() || saveSample.isPending}>
              Save inputs as sample
            </button>
          </form>
        ) : null}
        {saveSample.error ? <p className="field-error">{errorInfo(saveSample.error).message}</p> : null}
      </section>
    </div>
  );
}

function RunInputField({ input, value, error, onChange }: { input: TRunInput; value: string | boolean; error: string | undefined; onChange: (v: string | boolean) => void }) {
  const id = useId();
  const k = input.kind;
  const hint = `${formatKind(k)}${input.required ? "" : " · optional"}${input.description ? ` · ${input.description}` : ""}`;
  let control;
  if (k.kind === "boolean") {
    control = (
      <label className="checkbox" htmlFor={id}>
        <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
        <span>{input.name}</span>
      </label>
    );
  } else if (k.kind === "image") {
    control = (
      <div className="image-input">
        <input
          id={id}
          type="file"
          accept="image/*"
          className="input input-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (!f) return;
            const reader = new FileReader();
            reader.onload = () => onChange(String(reader.result));
            reader.readAsDataURL(f);
          }}
        />
        {typeof value === "string" && value.startsWith("data:image/") ? (
          // eslint-disable-next-line @next/next/no-img-element
          <img className="image-preview" src={value} alt={`Preview of ${input.name}`} />
        ) : null}
      </div>
    );
  } else if (usesJsonEditor(k)) {
    control = (
      <textarea
        id={id}
        className="input textarea code-field-input run-json"
        rows={k.kind === "tensor" ? 4 : 6}
        spellCheck={false}
        placeholder={k.kind === "tensor" ? "[[1, 2, 3, 4]]  or  {\"shape\": [1, 4], \"data\": [1, 2, 3, 4]}" : '{"field": 1.5}'}
        value={typeof value === "string" ? value : ""}
        aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  } else {
    control = (
      <input
        id={id}
        className="input"
        inputMode={k.kind === "number" || k.kind === "integer" ? "decimal" : undefined}
        value={typeof value === "string" ? value : ""}
        aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      {k.kind !== "boolean" ? (
        <label className="field-label" htmlFor={id}>
          {input.name}
        </label>
      ) : null}
      {control}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : (
        <p className="field-hint">{hint}</p>
      )}
    </div>
  );
}

interface TTopEntry {
  label: string;
  score: number;
}

function isTopList(v: unknown): v is TTopEntry[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => x && typeof x === "object" && typeof (x as TTopEntry).score === "number" && "label" in (x as object));
}

function RunResult({ result, labelOf, onFocusNode }: { result: TRunResult; labelOf: (id: string) => string; onFocusNode: (id: string) => void }) {
  return (
    <section className="panel-section" data-testid="run-result">
      <div className="run-result-head">
        <h3 className="panel-section-title">Result</h3>
        <span className={`badge ${result.status === "ok" ? "badge-success" : "badge-danger"}`} data-testid="run-status">
          {result.status === "ok" ? "OK" : "Failed"}
        </span>
        <span className="muted small">{formatMs(result.durationMs)}</span>
      </div>
      {result.status === "error" ? (
        <div className="run-error" role="alert" data-testid="run-error">
          <p className="run-error-title">
            <code>{result.error.code}</code> {result.error.nodeId ? <>in {labelOf(result.error.nodeId)}</> : null}
          </p>
          <p>{result.error.message}</p>
          {result.error.issues?.length ? (
            <ul className="issues-list">
              {result.error.issues.map((i, n) => (
                <li key={n}>{i.message}</li>
              ))}
            </ul>
          ) : null}
          {result.error.nodeId ? (
            <button type="button" className="btn btn-secondary btn-sm" onClick={() => onFocusNode(result.error.nodeId!)}>
              Show the node
            </button>
          ) : null}
        </div>
      ) : (
        <div className="outputs">
          {Object.entries(result.outputs).map(([name, value]) => (
            <OutputView key={name} name={name} value={value} />
          ))}
        </div>
      )}
      {result.trace.length ? <Waterfall result={result} labelOf={labelOf} onFocusNode={onFocusNode} /> : null}
    </section>
  );
}

function OutputView({ name, value }: { name: string; value: unknown }) {
  return (
    <div className="output" data-testid={`output-${name}`}>
      <div className="output-name">{name}</div>
      {typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? (
        <div className="output-scalar" data-testid={`output-${name}-value`}>
          {String(value)}
        </div>
      ) : isTopList(value) ? (
        <ul className="topk">
          {value.map((t, i) => (
            <li key={i} className="topk-row">
              <span className="topk-label">{t.label}</span>
              <span className="topk-bar">
                <span className="topk-fill" style={{ width: `${Math.max(0, Math.min(1, t.score)) * 100}%` }} />
              </span>
              <span className="topk-score">{fmt(t.score)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <details className="output-json" open={!isTopList(value) && typeof value === "object"}>
        <summary>JSON</summary>
        <pre>{JSON.stringify(value, null, 2)}</pre>
      </details>
    </div>
  );
}

function Waterfall({ result, labelOf, onFocusNode }: { result: TRunResult; labelOf: (id: string) => string; onFocusNode: (id: string) => void }) {
  const rows = [...result.trace].sort((a, b) => a.start - b.start);
  const total = Math.max(result.durationMs, ...rows.map((r) => r.start + r.durationMs), 0.001);
  return (
    <div className="waterfall" data-testid="waterfall">
      <h4 className="panel-subtitle">Timing</h4>
      {rows.map((r) => (
        <Fragment key={r.nodeId}>
          <button type="button" className={`wf-row wf-${r.status}`} onClick={() => onFocusNode(r.nodeId)} title={r.error ?? Object.values(r.outputs ?? {}).map(valuePreview).join("\n")}>
            <span className="wf-label">
              {labelOf(r.nodeId)}
              {r.cached ? <span className="pnode-cached">cached</span> : null}
            </span>
            <span className="wf-track">
              <span className="wf-bar" style={{ left: `${(r.start / total) * 100}%`, width: `${Math.max(0.8, (r.durationMs / total) * 100)}%` }} />
            </span>
            <span className="wf-time">{formatMs(r.durationMs)}</span>
          </button>
          <NestedRuns entry={r} offset={r.start} total={total} />
        </Fragment>
      ))}
    </div>
  );
}

/**
 * A sub-pipeline node's inner run, indented under its row on the same time axis (inner starts are relative to
 * the node's start); nested sub-pipelines indent further. Inner nodes are not on this canvas: rows only.
 */
function NestedRuns({ entry, offset, total }: { entry: TTraceEntry; offset: number; total: number }) {
  const nodes = SUB_PIPELINE_TYPE.test(entry.type) ? entry.sub?.elements[0]?.nodes : undefined;
  if (!nodes) return null;
  const rows = Object.values(nodes).sort((a, b) => a.start - b.start);
  return (
    <div className="wf-nested" data-testid={`wf-nested-${entry.nodeId}`}>
      {rows.map((r) => (
        <Fragment key={r.nodeId}>
          <div className={`wf-row wf-inner wf-${r.status}`} title={r.error ?? Object.values(r.outputs ?? {}).map(valuePreview).join("\n")}>
            <span className="wf-label">↳ {r.nodeId}</span>
            <span className="wf-track">
              <span className="wf-bar" style={{ left: `${((offset + r.start) / total) * 100}%`, width: `${Math.max(0.8, (r.durationMs / total) * 100)}%` }} />
            </span>
            <span className="wf-time">{formatMs(r.durationMs)}</span>
          </div>
          <NestedRuns entry={r} offset={offset + r.start} total={total} />
        </Fragment>
      ))}
    </div>
  );
}
