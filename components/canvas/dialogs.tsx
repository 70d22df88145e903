"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { IssueList } from "@/components/pipelines/detail/issue-list";
import { useInvalidatePipelines } from "@/components/pipelines/use-invalidate";
import { useTRPC, useTRPCClient } from "@/components/trpc/client";
import { Alert, FormError } from "@/components/ui/alert";
import { errorCode, errorInfo } from "@/components/ui/errors";
import { TextField } from "@/components/ui/field";
import { formatDateTime } from "@/components/ui/format";
import { Modal } from "@/components/ui/modal";
import { LoadingBlock } from "@/components/ui/states";
import { diffGraphs, diffIsEmpty, showValue } from "./diff";
import type { TGraph, TLayout, TValidation } from "./types";

export function CommitDialog({
  slug,
  errorCount,
  flush,
  revision,
  onClose,
  onCommitted,
  onConflict,
}: {
  slug: string;
  errorCount: number;
  flush: () => Promise<boolean>;
  revision: () => number;
  onClose: () => void;
  onCommitted: (number: number) => void;
  onConflict: () => void;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidatePipelines();
  const [message, setMessage] = useState("");
  const [saveFailed, setSaveFailed] = useState(false);
  const commit = useMutation(trpc.versions.commit.mutationOptions());
  const info = commit.error ? errorInfo(commit.error) : undefined;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSaveFailed(false);
    if (!(await flush())) {
      setSaveFailed(true);
      return;
    }
    commit.mutate(
      { slug, message: message.trim(), draftRevision: revision() },
      {
        onSuccess: (v) => {
          void invalidate();
          onCommitted(v.number);
        },
        onError: (err) => {
          if (errorCode(err) === "DRAFT_CONFLICT") onConflict();
        },
      },
    );
  }

  return (
    <Modal
      title="Commit a version"
      onClose={onClose}
      size="sm"
      testId="commit-dialog"
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="commit-form" className="btn btn-primary" disabled={commit.isPending || !message.trim()}>
            {commit.isPending ? "Committing…" : "Commit version"}
          </button>
        </>
      }
    >
      <form id="commit-form" className="stack" onSubmit={(e) => void onSubmit(e)} noValidate>
        <p className="muted small">Saves the draft, then freezes it as the next immutable version. Aliases such as production can then point at it.</p>
        <TextField label="Version message" placeholder="e.g. Iris classifier with labels" maxLength={500} value={message} autoFocus onChange={(e) => setMessage(e.target.value)} error={info?.code === "INVALID_INPUT" ? info.message : undefined} />
        {errorCount > 0 ? <p className="note note-warning">The draft has {errorCount === 1 ? "1 problem" : `${errorCount} problems`}: a version must compile, so the commit will be refused until they are fixed.</p> : null}
        {saveFailed ? <FormError message="The draft could not be saved, so nothing was committed. See the message above the canvas." /> : null}
        {info?.code === "INVALID_GRAPH" ? (
          <IssueList title="The draft cannot be committed:" issues={info.issues.length ? info.issues : [{ path: "graph", message: info.message }]} testId="commit-issues" />
        ) : info && info.code !== "INVALID_INPUT" ? (
          <FormError message={info.message} testId="commit-error" />
        ) : null}
      </form>
    </Modal>
  );
}

export function RestoreDialog({
  slug,
  version,
  dirty,
  flush,
  revision,
  onClose,
  onRestored,
}: {
  slug: string;
  version: number;
  dirty: boolean;
  flush: () => Promise<boolean>;
  revision: () => number;
  onClose: () => void;
  onRestored: () => void;
}) {
  const client = useTRPCClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function restore() {
    setBusy(true);
    setError(null);
    try {
      if (!(await flush())) throw new Error("The current draft could not be saved first; nothing was restored.");
      await client.drafts.restore.mutate({ slug, version, baseRevision: revision() });
      onRestored();
    } catch (e) {
      setError(e instanceof Error && !("data" in e) ? e.message : errorInfo(e).message);
      setBusy(false);
    }
  }

  return (
    <Modal
      title={`Restore version ${version}?`}
      onClose={onClose}
      size="sm"
      testId="restore-dialog"
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" autoFocus disabled={busy} onClick={() => void restore()} data-testid="confirm-restore">
            {busy ? "Restoring…" : `Restore v${version}`}
          </button>
        </>
      }
    >
      <p className="confirm-question">The draft will be replaced by version {version}&apos;s graph and layout.</p>
      <p className="muted small">
        {dirty ? "Your latest edits are saved first. " : ""}The current draft is not a version: commit it first if you want to come back to it. Versions themselves never change.
      </p>
      <FormError message={error ?? undefined} />
    </Modal>
  );
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** After a refused save: what the other save changed, and the user's choice — never a silent loss. */
export function ConflictDialog({
  slug,
  mine,
  mineLayout,
  onClose,
  onOverwrite,
  onLoadTheirs,
}: {
  slug: string;
  mine: TGraph;
  mineLayout: TLayout;
  onClose: () => void;
  onOverwrite: (theirRevision: number) => Promise<boolean>;
  onLoadTheirs: () => void;
}) {
  const trpc = useTRPC();
  const theirs = useQuery({ ...trpc.drafts.get.queryOptions({ slug }), staleTime: 0, refetchOnWindowFocus: false });
  const [busy, setBusy] = useState(false);
  const [kept, setKept] = useState(false);
  const diff = theirs.data ? diffGraphs(theirs.data.graph as unknown as TGraph, mine) : undefined;

  return (
    <Modal
      title="Resolve the draft conflict"
      onClose={onClose}
      size="lg"
      testId="conflict-dialog"
      footer={
        <>
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => {
              download(`${slug}.my-draft.json`, JSON.stringify({ ...mine, layout: mineLayout }, null, 2));
              setKept(true);
            }}
          >
            Download my version
          </button>
          <div className="toolbar-spacer" />
          <button type="button" className="btn btn-secondary" disabled={busy || !theirs.data} onClick={onLoadTheirs}>
            Discard mine, load theirs
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy || !theirs.data}
            onClick={async () => {
              setBusy(true);
              const ok = await onOverwrite(theirs.data!.revision);
              if (!ok) setBusy(false);
            }}
          >
            Overwrite with mine
          </button>
        </>
      }
    >
      {theirs.isPending ? (
        <LoadingBlock />
      ) : theirs.isError ? (
        <Alert tone="error">{errorInfo(theirs.error).message}</Alert>
      ) : (
        <div className="stack">
          <p>
            Revision {theirs.data.revision} was saved {theirs.data.updatedBy ? `by ${theirs.data.updatedBy} ` : ""}at {formatDateTime(theirs.data.updatedAt)}. Below is what your version changes compared with theirs — what
            “Overwrite with mine” would write over.
          </p>
          {kept ? <p className="note note-success">Your version was downloaded.</p> : null}
          {diff && diffIsEmpty(diff) ? (
            <p className="note">The graphs are the same (only positions may differ): overwriting loses nothing of theirs.</p>
          ) : diff ? (
            <ul className="diff-list-compact">
              {diff.added.map((n) => (
                <li key={`a${n.id}`} className="diff-item-added">
                  + you added {n.label ?? n.id} ({n.type})
                </li>
              ))}
              {diff.removed.map((n) => (
                <li key={`r${n.id}`} className="diff-item-removed">
                  − you don&apos;t have {n.label ?? n.id} ({n.type}), which they have
                </li>
              ))}
              {diff.changed.map((c) => (
                <li key={`c${c.id}`} className="diff-item-changed">
                  ~ {c.id}: {c.changes.map((ch) => `${ch.field.replace(/^params\./, "")} ${showValue(ch.before)} → ${showValue(ch.after)}`).join("; ")}
                </li>
              ))}
              {diff.edgesAdded.length || diff.edgesRemoved.length ? (
                <li>
                  edges: +{diff.edgesAdded.length} −{diff.edgesRemoved.length}
                </li>
              ) : null}
            </ul>
          ) : null}
        </div>
      )}
    </Modal>
  );
}

export interface TImportCandidate {
  fileName: string;
  text: string;
}

type TImportCheck = { state: "checking" } | { state: "invalid"; message: string; issues: { path: string; message: string }[] } | { state: "ok"; graph: TGraph; layout: TLayout | undefined; validation: TValidation };

/** Import a pipeline JSON file: parsed, checked by the server (structure and compile), then confirmed. */
export function ImportDialog({ candidate, onClose, onImport }: { candidate: TImportCandidate; onClose: () => void; onImport: (graph: TGraph, layout: TLayout | undefined) => void }) {
  const client = useTRPCClient();
  const check = useQuery<TImportCheck>({
    queryKey: ["import-check", candidate.fileName, candidate.text],
    staleTime: Infinity,
    gcTime: 0,
    queryFn: async () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(candidate.text);
      } catch (e) {
        return { state: "invalid", message: `${candidate.fileName} is not JSON: ${e instanceof Error ? e.message : String(e)}`, issues: [] };
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return { state: "invalid", message: "Expected a JSON object with schemaVersion, nodes and edges.", issues: [] };
      const obj = parsed as Record<string, unknown>;
      const wrapped = obj.graph && typeof obj.graph === "object";
      const { layout, ...rest } = (wrapped ? { ...(obj.graph as object), layout: obj.layout } : obj) as Record<string, unknown>;
      try {
        const validation = await client.pipelines.validate.mutate({ graph: rest });
        const l = layout && typeof layout === "object" && (layout as TLayout).nodes ? (layout as TLayout) : undefined;
        return { state: "ok", graph: rest as unknown as TGraph, layout: l, validation };
      } catch (e) {
        const info = errorInfo(e);
        return { state: "invalid", message: info.message, issues: info.issues };
      }
    },
  });
  const data = check.data ?? { state: "checking" as const };
  const errors = data.state === "ok" ? data.validation.issues.filter((i) => i.severity === "error") : [];

  return (
    <Modal
      title={`Import ${candidate.fileName}`}
      onClose={onClose}
      size="md"
      testId="import-dialog"
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={data.state !== "ok"} onClick={() => data.state === "ok" && onImport(data.graph, data.layout)}>
            Replace the draft
          </button>
        </>
      }
    >
      {data.state === "checking" ? (
        <LoadingBlock label="Checking the file…" />
      ) : data.state === "invalid" ? (
        <div className="stack" data-testid="import-invalid">
          <Alert tone="error" title="This file cannot be imported">
            {data.message}
          </Alert>
          {data.issues.length ? <IssueList title="Problems:" issues={data.issues} /> : null}
        </div>
      ) : (
        <div className="stack">
          <p>
            {data.graph.nodes.length} nodes and {data.graph.edges.length} edges. The draft&apos;s canvas is replaced (Undo brings it back).
          </p>
          {errors.length ? (
            <IssueList title={`It has ${errors.length} compile ${errors.length === 1 ? "problem" : "problems"} you can fix after importing:`} issues={errors.map((i) => ({ path: i.nodeId ?? "", message: i.message }))} />
          ) : (
            <p className="note note-success">It compiles.</p>
          )}
        </div>
      )}
    </Modal>
  );
}
