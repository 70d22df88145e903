"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { uploadError, uploadFile } from "@/components/ui/upload";
import { formatKind } from "./kinds";
import type { TKind } from "./types";

interface TTensorInfo {
  name: string;
  dtype: string;
  shape: (number | string | null)[] | null;
}

function tensorText(t: TTensorInfo): string {
  return formatKind({ kind: "tensor", dtype: t.dtype, ...(t.shape ? { shape: t.shape } : {}) } as TKind);
}

/** Model and version from the registry, the chosen version's tensors and labels, and an upload. */
export function ModelPicker({
  model,
  version,
  readOnly,
  onChange,
}: {
  model: string;
  version: number | undefined;
  readOnly: boolean;
  onChange: (next: { model: string; version: number }) => void;
}) {
  const trpc = useTRPC();
  const idModel = useId();
  const idVersion = useId();
  const models = useQuery(trpc.models.list.queryOptions({}));
  const detail = useQuery({ ...trpc.models.get.queryOptions({ name: model }), enabled: !!model });
  const chosen = detail.data?.versions.find((v) => v.number === version);
  const known = models.data?.some((m) => m.name === model);

  return (
    <div className="model-picker" data-testid="model-picker">
      <div className="field">
        <label className="field-label" htmlFor={idModel}>
          Model
        </label>
        <select
          id={idModel}
          className="input select"
          value={model}
          disabled={readOnly || models.isPending}
          onChange={(e) => {
            const m = models.data?.find((x) => x.name === e.target.value);
            if (m) onChange({ model: m.name, version: m.latest?.number ?? 1 });
          }}
        >
          {!model ? <option value="">{models.isPending ? "Loading models…" : "Choose a model…"}</option> : null}
          {model && !known && !models.isPending ? <option value={model}>{model} (not in the registry)</option> : null}
          {models.data?.map((m) => (
            <option key={m.name} value={m.name}>
              {m.name}
            </option>
          ))}
        </select>
        {models.data?.length === 0 ? <p className="field-hint">The registry is empty: upload an .onnx model below.</p> : null}
      </div>
      {model && detail.data ? (
        <div className="field">
          <label className="field-label" htmlFor={idVersion}>
            Version
          </label>
          <select id={idVersion} className="input select" value={version ?? ""} disabled={readOnly} onChange={(e) => onChange({ model, version: Number(e.target.value) })}>
            {detail.data.versions.map((v) => (
              <option key={v.number} value={v.number}>
                v{v.number} · {(v.sizeBytes / 1024).toFixed(1)} KiB · {v.sha256.slice(0, 10)}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {chosen ? (
        <div className="model-signature" data-testid="model-signature">
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Tensor</th>
                <th scope="col">Type</th>
              </tr>
            </thead>
            <tbody>
              {chosen.metadata.inputs.map((t) => (
                <tr key={`in-${t.name}`}>
                  <td>
                    <span className="sig-dir">in</span> <code>{t.name}</code>
                  </td>
                  <td>
                    <code>{tensorText(t)}</code>
                  </td>
                </tr>
              ))}
              {chosen.metadata.outputs.map((t) => (
                <tr key={`out-${t.name}`}>
                  <td>
                    <span className="sig-dir sig-out">out</span> <code>{t.name}</code>
                  </td>
                  <td>
                    <code>{tensorText(t)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            {chosen.labels ? `${chosen.labels.length} labels: ${chosen.labels.slice(0, 5).join(", ")}${chosen.labels.length > 5 ? "…" : ""}` : "No labels stored with this version."}
            {chosen.metadata.opset ? ` · opset ${chosen.metadata.opset}` : ""}
          </p>
        </div>
      ) : null}
      {!readOnly ? <ModelUpload onUploaded={(name, v) => onChange({ model: name, version: v })} /> : null}
    </div>
  );
}

const NAME_OK = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;

function suggestName(file: string): string {
  return (
    file
      .replace(/\.onnx$/i, "")
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "")
      .slice(0, 64) || "model"
  );
}

/** POST /api/models with the raw bytes; XMLHttpRequest because fetch has no upload progress. */
export function ModelUpload({ onUploaded }: { onUploaded: (name: string, version: number) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const fileId = useId();
  const nameId = useId();
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const xhrRef = useRef<XMLHttpRequest | null>(null);

  if (!open) {
    return (
      <button type="button" className="btn btn-ghost btn-sm" onClick={() => setOpen(true)}>
        Upload a model…
      </button>
    );
  }

  function start() {
    if (!file) return;
    if (!NAME_OK.test(name)) {
      setError("Use 1–64 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit.");
      return;
    }
    setError(null);
    setDone(null);
    setProgress(0);
    xhrRef.current = uploadFile<{ version?: { number: number }; created?: boolean }>(`/api/models?name=${encodeURIComponent(name)}`, file, {
      onProgress: setProgress,
      onFailure: (aborted) => {
        setProgress(null);
        if (!aborted) setError("The upload failed: the server could not be reached.");
      },
      onAnswer: (status, body) => {
        setProgress(null);
        if (status >= 200 && status < 300 && body.version) {
          setDone(body.created === false ? `Same bytes as ${name} v${body.version.number}: using it.` : `Uploaded ${name} v${body.version.number}.`);
          void qc.invalidateQueries(trpc.models.list.queryFilter());
          void qc.invalidateQueries(trpc.models.get.queryFilter({ name }));
          onUploaded(name, body.version.number);
          setFile(null);
        } else {
          setError(uploadError(status, body));
        }
      },
    });
  }

  return (
    <div className="model-upload" data-testid="model-upload">
      <div className="field">
        <label className="field-label" htmlFor={fileId}>
          ONNX file
        </label>
        <input
          id={fileId}
          type="file"
          accept=".onnx,application/octet-stream"
          className="input input-file"
          onChange={(e) => {
            const f = e.target.files?.[0] ?? null;
            setFile(f);
            if (f && !name) setName(suggestName(f.name));
          }}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={nameId}>
          Name in the registry
        </label>
        <input id={nameId} className="input mono-input" value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} />
      </div>
      {progress !== null ? (
        <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(progress * 100)} aria-label="Upload progress">
          <div className="progress-bar" style={{ width: `${Math.round(progress * 100)}%` }} />
          <span className="progress-text">{progress < 1 ? `${Math.round(progress * 100)}%` : "Checking the model…"}</span>
        </div>
      ) : null}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      {done ? (
        <p className="note note-success" role="status">
          {done}
        </p>
      ) : null}
      <div className="button-row">
        {progress !== null ? (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => xhrRef.current?.abort()}>
            Cancel
          </button>
        ) : (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => setOpen(false)}>
            Close
          </button>
        )}
        <button type="button" className="btn btn-secondary btn-sm" disabled={!file || progress !== null} onClick={start}>
          Upload
        </button>
      </div>
    </div>
  );
}
