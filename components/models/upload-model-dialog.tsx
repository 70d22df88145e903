"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { TextAreaField, TextField } from "@/components/ui/field";
import { Modal } from "@/components/ui/modal";
import { formatBytes } from "./model-format";
import { MODEL_NAME, suggestModelName, UPLOAD_HINTS, uploadModelFile, type TUploadProblem, type TUploadResult } from "./upload-model";

type TPhase = { kind: "idle" } | { kind: "uploading"; loaded: number; total: number } | { kind: "inspecting" } | { kind: "done"; result: TUploadResult } | { kind: "failed"; problem: TUploadProblem; sent: number };

/**
 * Uploads a new model, or (with `fixedName`) the next version of one. The server inspects the file
 * after receiving it (ONNX Runtime loads it in a child process), hence the "Checking" step after 100 %.
 */
export function UploadModelDialog({ fixedName, onClose, onUploaded }: { fixedName?: string; onClose: () => void; onUploaded?: (r: TUploadResult) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState(fixedName ?? "");
  const [nameTouched, setNameTouched] = useState(Boolean(fixedName));
  const [description, setDescription] = useState("");
  const [phase, setPhase] = useState<TPhase>({ kind: "idle" });
  const [fileError, setFileError] = useState<string | undefined>();
  const abort = useRef<AbortController | null>(null);
  const fileId = useId();
  useEffect(() => () => abort.current?.abort(), []);

  const busy = phase.kind === "uploading" || phase.kind === "inspecting";
  const nameError = name && !MODEL_NAME.test(name) ? "Use 1–64 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit." : undefined;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!file) return setFileError("Choose an .onnx file.");
    if (!name || nameError) return;
    const controller = new AbortController();
    abort.current = controller;
    setPhase({ kind: "uploading", loaded: 0, total: file.size });
    // How far the bytes got, for the bar after a refusal: a file the server inspected and refused was sent whole.
    let sent = 0;
    try {
      const result = await uploadModelFile(file, {
        name,
        description,
        signal: controller.signal,
        onProgress: (loaded, total) => {
          sent = total > 0 ? Math.min(100, Math.round((loaded / total) * 100)) : 0;
          setPhase({ kind: "uploading", loaded, total });
        },
        onSent: () => setPhase({ kind: "inspecting" }),
      });
      setPhase({ kind: "done", result });
      await qc.invalidateQueries(trpc.models.pathFilter());
      onUploaded?.(result);
    } catch (err) {
      setPhase({ kind: "failed", problem: err as TUploadProblem, sent });
    } finally {
      abort.current = null;
    }
  }

  const percent =
    phase.kind === "uploading" ? (phase.total > 0 ? Math.min(100, Math.round((phase.loaded / phase.total) * 100)) : 0) : phase.kind === "idle" ? 0 : phase.kind === "failed" ? phase.sent : 100;
  const showProgress = phase.kind !== "idle" && !(phase.kind === "failed" && phase.problem.code === "ABORTED");

  return (
    <Modal
      title={fixedName ? `Upload a new version of ${fixedName}` : "Upload a model"}
      onClose={() => {
        abort.current?.abort();
        onClose();
      }}
      testId="upload-model-dialog"
      footer={
        phase.kind === "done" ? (
          <button type="button" className="btn btn-primary" onClick={onClose} autoFocus>
            Done
          </button>
        ) : (
          <>
            <button type="button" className="btn btn-secondary" onClick={() => (busy ? abort.current?.abort() : onClose())}>
              {busy ? "Cancel upload" : "Cancel"}
            </button>
            <button type="submit" form={`${fileId}-form`} className="btn btn-primary" disabled={busy || !file || !name || Boolean(nameError)}>
              {busy ? "Uploading…" : "Upload"}
            </button>
          </>
        )
      }
    >
      <form id={`${fileId}-form`} className="form-stack" onSubmit={onSubmit} noValidate>
        <div className={`field${fileError ? " field-invalid" : ""}`}>
          <label className="field-label" htmlFor={fileId}>
            ONNX file
          </label>
          <input
            id={fileId}
            type="file"
            accept=".onnx,application/octet-stream"
            className="file-input"
            disabled={busy}
            onChange={(e) => {
              const f = e.target.files?.[0] ?? null;
              setFile(f);
              setFileError(undefined);
              setPhase({ kind: "idle" });
              if (f && !nameTouched) setName(suggestModelName(f.name));
            }}
          />
          {fileError ? (
            <p className="field-error" role="alert">
              {fileError}
            </p>
          ) : (
            <p className="field-hint">{file ? `${file.name} · ${formatBytes(file.size)}` : "A single-file .onnx model (weights embedded), up to the server's limit."}</p>
          )}
        </div>
        {fixedName ? null : (
          <TextField
            label="Name"
            className="mono-input"
            autoComplete="off"
            spellCheck={false}
            value={name}
            disabled={busy}
            onChange={(e) => {
              setName(e.target.value);
              setNameTouched(true);
            }}
            error={nameError}
            hint="Pipelines refer to the model by this name. Uploading under an existing name adds a version."
          />
        )}
        {fixedName ? null : <TextAreaField label="Description" rows={2} value={description} disabled={busy} onChange={(e) => setDescription(e.target.value)} hint="Optional; kept from the first upload." />}

        {showProgress ? (
          <div className="upload-progress" data-testid="upload-progress">
            <div className="upload-progress-row">
              <span>{phase.kind === "uploading" ? "Uploading…" : phase.kind === "inspecting" ? "Uploaded; checking the model…" : phase.kind === "done" ? "Uploaded and checked" : phase.problem.status > 0 && phase.sent === 100 ? "Uploaded; the server refused the file" : "Upload stopped"}</span>
              <span className="mono">{percent}%</span>
            </div>
            <div className="upload-bar" role="progressbar" aria-label="Upload progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
              <div className={`upload-bar-fill${phase.kind === "failed" ? " upload-bar-fill-failed" : phase.kind === "done" ? " upload-bar-fill-done" : ""}`} style={{ width: `${percent}%` }} />
            </div>
          </div>
        ) : null}

        {phase.kind === "failed" ? (
          <Alert tone={phase.problem.code === "ABORTED" ? "info" : "error"} title={phase.problem.title} testId="upload-error">
            <p>{phase.problem.detail}</p>
            {UPLOAD_HINTS[phase.problem.code] ? <p>{UPLOAD_HINTS[phase.problem.code]}</p> : null}
            {phase.problem.code !== "ABORTED" && phase.problem.code !== "NETWORK" ? (
              <p className="mono small subtle" data-testid="upload-error-code">
                {phase.problem.code}
                {phase.problem.status ? ` · HTTP ${phase.problem.status}` : ""}
              </p>
            ) : null}
          </Alert>
        ) : null}
        {phase.kind === "done" ? (
          <Alert tone="success" title={phase.result.created ? `${phase.result.name} v${phase.result.version.number} is ready` : `Already uploaded as ${phase.result.name} v${phase.result.version.number}`} testId="upload-success">
            {phase.result.created ? `${formatBytes(phase.result.version.sizeBytes)}; a pipeline can use it in a model node now.` : "These exact bytes are already a version of this model: nothing new was stored."}
          </Alert>
        ) : null}
      </form>
    </Modal>
  );
}
