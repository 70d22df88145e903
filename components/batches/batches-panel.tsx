"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Alert, FormError } from "@/components/ui/alert";
import { Badge, type TBadgeTone } from "@/components/ui/badge";
import { errorInfo } from "@/components/ui/errors";
import { SelectField } from "@/components/ui/field";
import { plural } from "@/components/ui/format";
import { EmptyState, LoadingBlock } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { uploadError as uploadErrorMessage, uploadFile } from "@/components/ui/upload";
import { type TMappingChoice, datasetFormat, formatEta, mappingFromChoices, choicesFromMapping, parseTarget, targetValue } from "./mapping-choices";

/**
 * The pipeline's Batches tab: run a version or alias over a dataset (upload → map columns → pick the version →
 * start), watch progress (rows done/failed, ETA), cancel, retry failed rows, drill into rows (each one links to
 * its invocation in the log) and download the results as JSONL or CSV.
 */
export function BatchesPanel({ slug, editable }: { slug: string; editable: boolean }) {
  const [opened, setOpened] = useState<string | null>(null);
  return (
    <div className="stack-lg" data-testid="batches-panel">
      {editable ? <NewBatch slug={slug} onStarted={setOpened} /> : null}
      <BatchList slug={slug} editable={editable} opened={opened} onOpen={setOpened} />
    </div>
  );
}

interface TUploaded {
  id: string;
  name: string;
  rowCount: number;
}

function NewBatch({ slug, onStarted }: { slug: string; onStarted: (id: string) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [dataset, setDataset] = useState<TUploaded | null>(null);
  const [targetChoice, setTargetChoice] = useState<string | null>(null);
  const [choices, setChoices] = useState<Record<string, TMappingChoice> | null>(null);
  const xhrRef = useRef<XMLHttpRequest | null>(null);

  const versions = useQuery(trpc.versions.list.queryOptions({ slug }));
  const aliases = useQuery(trpc.aliases.list.queryOptions({ slug }));
  const defaultTarget = aliases.data?.some((a) => a.name === "production") ? "alias:production" : versions.data?.[0] ? `version:${versions.data[0].number}` : null;
  const target = targetChoice ?? defaultTarget;
  const detail = useQuery({
    ...trpc.batches.dataset.queryOptions({ slug, id: dataset?.id ?? "00000000-0000-4000-8000-000000000000", ...(target ? { target: parseTarget(target) } : {}) }),
    enabled: !!dataset && !!target,
  });
  const start = useMutation(
    trpc.batches.create.mutationOptions({
      onSuccess: async (b) => {
        setDataset(null);
        setChoices(null);
        setFile(null);
        onStarted(b.id);
        await qc.invalidateQueries(trpc.batches.list.queryFilter({ slug }));
      },
    }),
  );

  function upload() {
    if (!file) return;
    const format = datasetFormat(file.name);
    if (!format) {
      setUploadError("Choose a .csv, .jsonl (or .ndjson) or .zip file.");
      return;
    }
    setUploadError(null);
    setDataset(null);
    setChoices(null);
    start.reset();
    setProgress(0);
    xhrRef.current = uploadFile<{ id?: string; name?: string; rowCount?: number }>(`/api/datasets?slug=${encodeURIComponent(slug)}&format=${format}&name=${encodeURIComponent(file.name)}`, file, {
      onProgress: setProgress,
      onFailure: (aborted) => {
        setProgress(null);
        if (!aborted) setUploadError("The upload failed: the server could not be reached.");
      },
      onAnswer: (status, body) => {
        setProgress(null);
        if (status === 201 && body.id) setDataset({ id: body.id, name: body.name ?? file.name, rowCount: body.rowCount ?? 0 });
        else setUploadError(uploadErrorMessage(status, body));
      },
    });
  }

  const d = detail.data;
  const current = d && d.inputs ? (choices ?? choicesFromMapping(d.suggestedMapping, d.inputs)) : null;
  const mapping = d && d.inputs && current ? mappingFromChoices(current, d.inputs, d.columns) : null;
  const unmappedRequired = d?.inputs?.filter((i) => i.required && current?.[i.name]?.type === "none").map((i) => i.name) ?? [];
  const startError = start.error ? errorInfo(start.error) : undefined;

  return (
    <section className="card" aria-labelledby="new-batch-title" data-testid="new-batch">
      <div className="card-header">
        <div>
          <h2 className="card-title" id="new-batch-title">
            New batch
          </h2>
          <p className="card-subtitle">Run a version over a dataset: CSV or JSONL (columns mapped to inputs), or a zip of images or audio for a file input.</p>
        </div>
      </div>
      <div className="card-body stack">
        <div className="field">
          <label className="field-label" htmlFor={fileId}>
            Dataset file
          </label>
          <div className="button-row">
            <input
              id={fileId}
              type="file"
              accept=".csv,.jsonl,.ndjson,.zip,text/csv,application/zip"
              data-testid="batch-file"
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                setUploadError(null);
              }}
            />
            <button type="button" className="btn btn-secondary btn-sm" disabled={!file || progress !== null} onClick={upload} data-testid="batch-upload">
              Upload
            </button>
            {progress !== null ? (
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => xhrRef.current?.abort()}>
                Cancel upload
              </button>
            ) : null}
          </div>
        </div>
        {progress !== null ? (
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(progress * 100)} aria-label="Upload progress">
            <div className="progress-bar" style={{ width: `${Math.round(progress * 100)}%` }} />
            <span className="progress-text">{progress < 1 ? `${Math.round(progress * 100)}%` : "Reading the rows…"}</span>
          </div>
        ) : null}
        <FormError message={uploadError ?? undefined} testId="batch-upload-error" />

        {dataset ? (
          <div className="stack" data-testid="batch-setup">
            <p className="small">
              <strong>{dataset.name}</strong> · {plural(dataset.rowCount, "row")}
            </p>
            <SelectField
              label="Version"
              value={target ?? ""}
              onChange={(e) => {
                setTargetChoice(e.target.value);
                setChoices(null);
              }}
              data-testid="batch-target"
              hint="An alias is resolved to its version when the batch starts."
            >
              {aliases.data?.map((a) => (
                <option key={`a-${a.name}`} value={targetValue({ alias: a.name })}>
                  {a.name} (v{a.version})
                </option>
              ))}
              {versions.data?.map((v) => (
                <option key={`v-${v.number}`} value={targetValue({ version: v.number })}>
                  v{v.number}
                  {v.message ? ` — ${v.message}` : ""}
                </option>
              ))}
            </SelectField>
            {!target ? <Alert tone="warning">Commit a version first: batches run committed versions.</Alert> : null}
            {detail.isError ? <Alert tone="error">{errorInfo(detail.error).message}</Alert> : null}
            {detail.isPending && target ? <LoadingBlock label="Reading the dataset…" /> : null}
            {d ? <DatasetPreview format={d.format} columns={d.columns} preview={d.preview as Record<string, unknown>[]} /> : null}
            {d && d.inputs && current ? (
              <fieldset className="batch-mapping" data-testid="batch-mapping">
                <legend className="field-label">Inputs</legend>
                <table className="table table-compact">
                  <thead>
                    <tr>
                      <th scope="col">Pipeline input</th>
                      <th scope="col">Comes from</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.inputs.map((input) => {
                      const c = current[input.name] ?? { type: "none" };
                      const value = c.type === "column" ? `column:${c.column}` : c.type;
                      return (
                        <tr key={input.name}>
                          <td>
                            <code>{input.name}</code> <span className="muted small">{input.kind.kind}</span>
                            {input.required ? null : <span className="muted small"> (optional)</span>}
                          </td>
                          <td>
                            <select
                              className="select select-sm"
                              aria-label={`Source of input ${input.name}`}
                              data-testid={`batch-map-${input.name}`}
                              value={value}
                              onChange={(e) => {
                                const v = e.target.value;
                                const next: TMappingChoice = v.startsWith("column:") ? { type: "column", column: v.slice(7) } : { type: v as "none" | "file" | "record" };
                                setChoices({ ...current, [input.name]: next });
                              }}
                            >
                              <option value="none">— not mapped —</option>
                              {d.format === "zip" ? (
                                <option value="file">the file</option>
                              ) : (
                                <>
                                  {d.columns.map((col) => (
                                    <option key={col} value={`column:${col}`}>
                                      {d.format === "csv" ? "column" : "key"} {col}
                                    </option>
                                  ))}
                                  <option value="record">a record of the other {d.format === "csv" ? "columns" : "keys"}</option>
                                </>
                              )}
                            </select>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </fieldset>
            ) : null}
            {unmappedRequired.length ? <p className="field-hint">Map {unmappedRequired.map((n) => `'${n}'`).join(", ")} to start.</p> : null}
            <FormError message={startError?.message} testId="batch-start-error" />
            <div className="button-row">
              <button
                type="button"
                className="btn btn-primary"
                data-testid="batch-start"
                disabled={!target || !mapping || unmappedRequired.length > 0 || start.isPending}
                onClick={() => target && mapping && start.mutate({ slug, target: parseTarget(target), datasetId: dataset.id, mapping })}
              >
                {start.isPending ? "Starting…" : `Run over ${plural(dataset.rowCount, "row")}`}
              </button>
            </div>
          </div>
        ) : null}
      </div>
    </section>
  );
}

function DatasetPreview({ format, columns, preview }: { format: string; columns: string[]; preview: Record<string, unknown>[] }) {
  const cols = format === "zip" ? ["name", "bytes"] : columns;
  if (!preview.length) return null;
  return (
    <div className="table-scroll" data-testid="batch-preview">
      <table className="table table-compact">
        <caption className="muted small">First rows</caption>
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {preview.slice(0, 5).map((r, i) => (
            <tr key={i}>
              {cols.map((c) => (
                <td key={c} className="mono small">
                  {cell(r[c])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

const STATUS_TONE: Record<string, TBadgeTone> = { queued: "neutral", running: "accent", succeeded: "success", failed: "danger", cancelled: "warning" };

function BatchList({ slug, editable, opened, onOpen }: { slug: string; editable: boolean; opened: string | null; onOpen: (id: string | null) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const list = useQuery({
    ...trpc.batches.list.queryOptions({ slug }),
    refetchInterval: (q) => (q.state.data?.batches.some((b) => b.status === "running" || b.status === "queued") ? 1000 : false),
  });
  const refresh = () => qc.invalidateQueries(trpc.batches.pathFilter());
  const cancel = useMutation(trpc.batches.cancel.mutationOptions({ onSettled: refresh }));
  const retry = useMutation(trpc.batches.retry.mutationOptions({ onSettled: refresh }));
  const actionError = cancel.error ?? retry.error;

  return (
    <section className="card" aria-labelledby="batches-title" data-testid="batch-list">
      <div className="card-header">
        <div>
          <h2 className="card-title" id="batches-title">
            Batches
          </h2>
          <p className="card-subtitle">
            Every row runs as an invocation with source <code>batch</code>. Over REST: <code>POST /api/v1/pipelines/{slug}@production/batches</code>.
          </p>
        </div>
      </div>
      {actionError ? (
        <div className="card-body">
          <Alert tone="error">{errorInfo(actionError).message}</Alert>
        </div>
      ) : null}
      {list.isPending ? (
        <LoadingBlock />
      ) : list.isError ? (
        <div className="card-body">
          <Alert tone="error">{errorInfo(list.error).message}</Alert>
        </div>
      ) : list.data.batches.length === 0 ? (
        <div className="card-body">
          <EmptyState title="No batches yet">{editable ? "Upload a dataset above to run one." : "Editors can run this pipeline over a dataset."}</EmptyState>
        </div>
      ) : (
        <ul className="batch-items">
          {list.data.batches.map((b) => {
            const active = b.status === "running" || b.status === "queued";
            const donePct = b.total ? (b.done / b.total) * 100 : 0;
            const failedPct = b.total ? (b.failed / b.total) * 100 : 0;
            const base = `/api/batch-results?slug=${encodeURIComponent(slug)}&id=${b.id}`;
            return (
              <li key={b.id} className="batch-item" data-testid="batch-item" data-status={b.status} data-batch-id={b.id}>
                <div className="batch-item-head">
                  <Badge tone={STATUS_TONE[b.status] ?? "neutral"} testId="batch-status">
                    {b.status}
                  </Badge>
                  <span className="version-tag">v{b.version}</span>
                  {b.alias ? <span className="muted small">via {b.alias}</span> : null}
                  <span className="small">{b.dataset.name}</span>
                  <span className="muted small">
                    <Time value={b.createdAt} />
                  </span>
                  {b.attempt > 1 ? <span className="muted small">attempt {b.attempt}</span> : null}
                </div>
                <div
                  className="progress batch-progress"
                  role="progressbar"
                  aria-label={`Batch progress: ${b.done} done, ${b.failed} failed of ${b.total}`}
                  aria-valuemin={0}
                  aria-valuemax={b.total}
                  aria-valuenow={b.done + b.failed}
                >
                  <div className="progress-bar batch-progress-done" style={{ width: `${donePct}%` }} />
                  <div className="progress-bar batch-progress-failed" style={{ width: `${failedPct}%`, left: `${donePct}%` }} />
                  <span className="progress-text" data-testid="batch-progress-text">
                    {(b.done + b.failed).toLocaleString("en")} / {b.total.toLocaleString("en")}
                  </span>
                </div>
                <p className="small batch-counts" data-testid="batch-counts">
                  <span>{b.done.toLocaleString("en")} done</span> · <span className={b.failed ? "text-danger" : undefined}>{b.failed.toLocaleString("en")} failed</span>
                  {b.pending ? <> · {b.pending.toLocaleString("en")} pending</> : null}
                  {active && b.etaSeconds !== null ? <> · ETA {formatEta(b.etaSeconds)}</> : null}
                  {b.error ? (
                    <>
                      {" "}
                      · <code>{b.error.code}</code> {b.error.message}
                    </>
                  ) : null}
                </p>
                <div className="button-row">
                  <button type="button" className="btn btn-ghost btn-sm" aria-expanded={opened === b.id} onClick={() => onOpen(opened === b.id ? null : b.id)} data-testid="batch-rows-toggle">
                    {opened === b.id ? "Hide rows" : "Rows"}
                  </button>
                  <a className="btn btn-ghost btn-sm" href={`${base}&format=jsonl`} download data-testid="batch-download-jsonl">
                    Download JSONL
                  </a>
                  <a className="btn btn-ghost btn-sm" href={`${base}&format=csv`} download data-testid="batch-download-csv">
                    Download CSV
                  </a>
                  {editable && active ? (
                    <button type="button" className="btn btn-secondary btn-sm" disabled={cancel.isPending} onClick={() => cancel.mutate({ slug, id: b.id })} data-testid="batch-cancel">
                      Cancel
                    </button>
                  ) : null}
                  {editable && !active && (b.failed > 0 || b.pending > 0) ? (
                    <button type="button" className="btn btn-secondary btn-sm" disabled={retry.isPending} onClick={() => retry.mutate({ slug, id: b.id })} data-testid="batch-retry">
                      Retry {b.failed > 0 ? "failed" : "the rest"}
                    </button>
                  ) : null}
                </div>
                {opened === b.id ? <BatchRows slug={slug} id={b.id} live={active} /> : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function BatchRows({ slug, id, live }: { slug: string; id: string; live: boolean }) {
  const trpc = useTRPC();
  const [status, setStatus] = useState<"" | "ok" | "error">("");
  const [cursors, setCursors] = useState<number[]>([]);
  const after = cursors.at(-1);
  const rows = useQuery({
    ...trpc.batches.rows.queryOptions({ slug, id, limit: 50, ...(status ? { status } : {}), ...(after !== undefined ? { after } : {}) }),
    refetchInterval: live ? 2000 : false,
  });
  return (
    <div className="batch-rows stack" data-testid="batch-rows">
      <div className="button-row">
        <label className="small">
          Show{" "}
          <select
            className="select select-sm"
            value={status}
            data-testid="batch-rows-status"
            onChange={(e) => {
              setStatus(e.target.value as "" | "ok" | "error");
              setCursors([]);
            }}
          >
            <option value="">all rows run</option>
            <option value="error">failed rows</option>
            <option value="ok">succeeded rows</option>
          </select>
        </label>
      </div>
      {rows.isPending ? (
        <LoadingBlock />
      ) : rows.isError ? (
        <Alert tone="error">{errorInfo(rows.error).message}</Alert>
      ) : rows.data.rows.length === 0 ? (
        <p className="muted small">No rows {status === "error" ? "failed" : status === "ok" ? "succeeded" : "have run"} yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="table table-compact" data-testid="batch-rows-table">
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Status</th>
                <th scope="col">Outputs / error</th>
                <th scope="col">Time</th>
                <th scope="col">Invocation</th>
              </tr>
            </thead>
            <tbody>
              {rows.data.rows.map((r) => (
                <tr key={r.rowIndex}>
                  <td className="mono">{r.rowIndex + 1}</td>
                  <td>
                    <Badge tone={r.status === "ok" ? "success" : "danger"}>{r.status}</Badge>
                  </td>
                  <td className="mono small batch-row-result">
                    {r.status === "ok" ? (
                      cell(r.outputs)
                    ) : (
                      <>
                        <code>{r.errorCode}</code> {r.errorNode ? <span className="muted">at {r.errorNode}</span> : null} {r.errorMessage}
                      </>
                    )}
                  </td>
                  <td className="muted small nowrap">{r.durationMs !== null ? `${Math.round(r.durationMs * 10) / 10} ms` : ""}</td>
                  <td>{r.invocationId ? <Link href={`/logs/${r.invocationId}`}>Open log</Link> : <span className="muted small">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="button-row">
        <button type="button" className="btn btn-ghost btn-sm" disabled={!cursors.length} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <button type="button" className="btn btn-ghost btn-sm" disabled={rows.data?.next == null} onClick={() => rows.data?.next != null && setCursors([...cursors, rows.data.next])} data-testid="batch-rows-next">
          Next
        </button>
      </div>
    </div>
  );
}
