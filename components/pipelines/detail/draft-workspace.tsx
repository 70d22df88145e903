"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { useTRPC, type TRouterInputs } from "@/components/trpc/client";
import { Alert, FormError } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { errorCode, errorInfo, type TIssue } from "@/components/ui/errors";
import { TextAreaField, TextField } from "@/components/ui/field";
import { formatDateTime } from "@/components/ui/format";
import { LoadingBlock } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { useInvalidatePipelines } from "../use-invalidate";
import { prettyGraph } from "./graph-json";
import { IssueList } from "./issue-list";

type TSaveInput = TRouterInputs["drafts"]["save"];
type TJson = TSaveInput["graph"];

interface TDraftData {
  graph: unknown;
  layout: TJson;
  revision: number;
  updatedAt: string | Date;
}

/** What the editor last loaded or saved: the revision its next save builds on. */
interface TBase {
  revision: number;
  updatedAt: string | Date;
  layout: TJson;
  text: string;
}

interface TConflict {
  currentRevision: number | undefined;
  updatedBy: string | undefined;
  updatedAt: string | undefined;
  message: string;
}

function baseFrom(d: TDraftData): TBase {
  return { revision: d.revision, updatedAt: d.updatedAt, layout: d.layout, text: prettyGraph(d.graph) };
}

function conflictFrom(error: unknown): TConflict {
  const info = errorInfo(error);
  const d = info.details ?? {};
  return {
    currentRevision: typeof d.currentRevision === "number" ? d.currentRevision : undefined,
    updatedBy: typeof d.updatedBy === "string" ? d.updatedBy : undefined,
    updatedAt: typeof d.updatedAt === "string" ? d.updatedAt : undefined,
    message: info.message,
  };
}

/**
 * The draft editor (graph JSON) and the commit form, which share one notion of "the revision I am
 * looking at": saves send it as baseRevision, commits as draftRevision.
 */
export function DraftWorkspace({ slug, editable, readOnlyReason, aside }: { slug: string; editable: boolean; readOnlyReason?: string; aside: ReactNode }) {
  const trpc = useTRPC();
  const draft = useQuery(trpc.drafts.get.queryOptions({ slug }));
  if (draft.isPending) {
    return (
      <div className="detail-grid">
        <section className="card">
          <LoadingBlock label="Loading draft…" />
        </section>
        <div className="stack">{aside}</div>
      </div>
    );
  }
  if (draft.isError) {
    return (
      <div className="detail-grid">
        <Alert tone="error" title="Could not load the draft">
          {errorInfo(draft.error).message}
        </Alert>
        <div className="stack">{aside}</div>
      </div>
    );
  }
  return <DraftEditor key={slug} slug={slug} initial={draft.data} latest={draft.data} editable={editable} readOnlyReason={readOnlyReason} aside={aside} />;
}

function DraftEditor({
  slug,
  initial,
  latest,
  editable,
  readOnlyReason,
  aside,
}: {
  slug: string;
  initial: TDraftData;
  latest: TDraftData;
  editable: boolean;
  readOnlyReason: string | undefined;
  aside: ReactNode;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const invalidate = useInvalidatePipelines();
  const [base, setBase] = useState<TBase>(() => baseFrom(initial));
  const [text, setText] = useState(base.text);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<TConflict | null>(null);
  /** The user's own text, kept aside when they reload over unsaved changes. */
  const [stash, setStash] = useState<string | null>(null);
  const [reloading, setReloading] = useState(false);
  const [justSaved, setJustSaved] = useState(false);
  /** Bumped on reload: remounts the textarea so it shows the reloaded text from the top. */
  const [loadCount, setLoadCount] = useState(0);
  const dirty = text !== base.text;

  const save = useMutation(trpc.drafts.save.mutationOptions());
  const saveIssues: TIssue[] = save.error && errorCode(save.error) === "INVALID_GRAPH" ? errorInfo(save.error).issues : [];
  const saveError = save.error && errorCode(save.error) !== "DRAFT_CONFLICT" ? errorInfo(save.error).message : undefined;

  function onSave() {
    let graph: TJson;
    try {
      graph = JSON.parse(text) as TJson;
    } catch (e) {
      setJsonError(`Not valid JSON: ${e instanceof Error ? e.message : String(e)}. Nothing was saved.`);
      return;
    }
    setJsonError(null);
    setJustSaved(false);
    const sent = text;
    save.mutate(
      { slug, graph, layout: base.layout, baseRevision: base.revision },
      {
        onSuccess: (r) => {
          setBase({ revision: r.revision, updatedAt: r.updatedAt, layout: base.layout, text: sent });
          setConflict(null);
          setJustSaved(true);
          void qc.invalidateQueries(trpc.drafts.get.queryFilter({ slug }));
          void qc.invalidateQueries(trpc.pipelines.get.queryFilter({ slug }));
        },
        onError: (error) => {
          if (errorCode(error) === "DRAFT_CONFLICT") {
            setConflict(conflictFrom(error));
            void qc.invalidateQueries(trpc.drafts.get.queryFilter({ slug }));
          }
        },
      },
    );
  }

  async function onReload() {
    setReloading(true);
    try {
      const fresh = await qc.fetchQuery({ ...trpc.drafts.get.queryOptions({ slug }), staleTime: 0 });
      // Never drop the user's work silently: unsaved text goes aside, where they can copy it back.
      if (dirty) setStash(text);
      const next = baseFrom(fresh);
      setBase(next);
      setText(next.text);
      setConflict(null);
      setJsonError(null);
      setJustSaved(false);
      setLoadCount((n) => n + 1);
      save.reset();
    } catch (e) {
      setJsonError(`Could not reload the draft: ${errorInfo(e).message}`);
    } finally {
      setReloading(false);
    }
  }

  function onFormat() {
    try {
      setText(prettyGraph(JSON.parse(text)));
      setJsonError(null);
    } catch (e) {
      setJsonError(`Not valid JSON: ${e instanceof Error ? e.message : String(e)}.`);
    }
  }

  const newerOnServer = !conflict && latest.revision > base.revision;
  const canWrite = editable && !readOnlyReason;

  return (
    <div className="detail-grid">
      <section className="card draft-card" aria-labelledby="draft-title" data-testid="draft-panel">
        <div className="card-header">
          <div>
            <h2 className="card-title" id="draft-title">
              Draft
            </h2>
            <p className="card-subtitle" data-testid="draft-meta">
              Revision {base.revision} · saved <Time value={base.updatedAt} />
            </p>
          </div>
          <div className="card-header-aside">
            {!canWrite ? <Badge>Read-only</Badge> : dirty ? <Badge tone="warning">Unsaved changes</Badge> : justSaved ? <Badge tone="success">Saved</Badge> : null}
          </div>
        </div>
        <div className="card-body stack">
          {conflict ? (
            <Alert
              tone="error"
              testId="draft-conflict"
              title="Someone else saved this draft while you were editing"
              actions={
                <button type="button" className="btn btn-secondary btn-sm" onClick={() => void onReload()} disabled={reloading}>
                  {reloading ? "Reloading…" : "Reload draft"}
                </button>
              }
            >
              <p>
                {conflict.currentRevision ? `Revision ${conflict.currentRevision}` : "A newer revision"}
                {conflict.updatedBy ? ` was saved by ${conflict.updatedBy}` : " was saved"}
                {conflict.updatedAt ? ` at ${formatDateTime(conflict.updatedAt)}` : ""}. Your changes were <strong>not</strong> saved; they are still in the editor below.
              </p>
              <p>Reload the draft to see the latest version. Your text will be kept aside so you can re-apply it.</p>
            </Alert>
          ) : null}
          {newerOnServer ? (
            <Alert
              tone="info"
              title={`A newer revision (${latest.revision}) of this draft was saved`}
              actions={
                <button type="button" className="btn btn-secondary btn-sm" onClick={() => void onReload()} disabled={reloading}>
                  Reload draft
                </button>
              }
            >
              {dirty ? "Saving now would be refused. Reload first; your unsaved text will be kept aside." : "You are looking at revision " + base.revision + "."}
            </Alert>
          ) : null}
          {readOnlyReason ? <p className="muted small">{readOnlyReason}</p> : null}
          <TextAreaField
            key={loadCount}
            label="Graph JSON"
            className="code-field"
            value={text}
            readOnly={!canWrite}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            rows={22}
            onChange={(e) => {
              setText(e.target.value);
              setJustSaved(false);
            }}
            onKeyDown={(e) => {
              if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === "s") {
                e.preventDefault();
                if (canWrite && !save.isPending) onSave();
              }
            }}
            hint={canWrite ? "Nodes, edges, inputs and outputs. Node positions (layout) are kept as they are. Ctrl/⌘+S saves." : undefined}
          />
          <FormError message={jsonError ?? undefined} testId="draft-json-error" />
          {saveIssues.length ? (
            <IssueList title="The graph is invalid; nothing was saved." issues={saveIssues} testId="draft-issues" />
          ) : (
            <FormError message={saveError} testId="draft-save-error" />
          )}
          {stash !== null ? (
            <div className="stash" data-testid="draft-stash">
              <TextAreaField label="Your unsaved text (kept from before the reload)" className="code-field code-field-sm" value={stash} readOnly rows={8} spellCheck={false} />
              <div className="button-row">
                <button
                  type="button"
                  className="btn btn-secondary btn-sm"
                  onClick={() => {
                    setText(stash);
                    setStash(null);
                  }}
                >
                  Put it back in the editor
                </button>
                <button type="button" className="btn btn-ghost btn-sm" onClick={() => setStash(null)}>
                  Discard it
                </button>
              </div>
            </div>
          ) : null}
        </div>
        {canWrite ? (
          <div className="card-footer">
            <button type="button" className="btn btn-ghost" onClick={onFormat}>
              Format JSON
            </button>
            <button type="button" className="btn btn-ghost" disabled={!dirty} onClick={() => setText(base.text)}>
              Discard changes
            </button>
            <div className="toolbar-spacer" />
            <button type="button" className="btn btn-primary" onClick={onSave} disabled={save.isPending || !dirty}>
              {save.isPending ? "Saving…" : "Save draft"}
            </button>
          </div>
        ) : null}
      </section>
      <div className="stack">
        {canWrite ? (
          <CommitCard
            slug={slug}
            revision={base.revision}
            dirty={dirty}
            onConflict={(error) => setConflict(conflictFrom(error))}
            onCommitted={() => void invalidate()}
          />
        ) : null}
        {aside}
      </div>
    </div>
  );
}

function CommitCard({
  slug,
  revision,
  dirty,
  onConflict,
  onCommitted,
}: {
  slug: string;
  revision: number;
  dirty: boolean;
  onConflict: (error: unknown) => void;
  onCommitted: () => void;
}) {
  const trpc = useTRPC();
  const [message, setMessage] = useState("");
  const [committed, setCommitted] = useState<{ number: number; revision: number } | null>(null);
  const commit = useMutation(
    trpc.versions.commit.mutationOptions({
      onSuccess: (v) => {
        setMessage("");
        setCommitted({ number: v.number, revision });
        onCommitted();
      },
      onError: (error) => {
        if (errorCode(error) === "DRAFT_CONFLICT") onConflict(error);
      },
    }),
  );
  const info = commit.error ? errorInfo(commit.error) : undefined;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setCommitted(null);
    commit.mutate({ slug, message: message.trim(), draftRevision: revision });
  }

  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-labelledby="commit-title" data-testid="commit-form">
      <div className="card-header">
        <div>
          <h2 className="card-title" id="commit-title">
            Commit version
          </h2>
          <p className="card-subtitle">Freezes draft revision {revision} as the next immutable version.</p>
        </div>
      </div>
      <div className="card-body stack">
        <TextField
          label="Version message"
          placeholder="e.g. First working classifier"
          maxLength={500}
          value={message}
          onChange={(e) => {
            setMessage(e.target.value);
            if (commit.error) commit.reset();
          }}
          error={info?.code === "INVALID_INPUT" ? info.message : undefined}
        />
        {dirty ? (
          <p className="note note-warning">You have unsaved changes. A commit freezes the last saved draft (revision {revision}), not the text in the editor.</p>
        ) : null}
        {info?.code === "INVALID_GRAPH" ? (
          <IssueList title="The draft cannot be committed:" issues={info.issues.length ? info.issues : [{ path: "graph", message: info.message }]} testId="commit-issues" />
        ) : info?.code === "DRAFT_CONFLICT" ? (
          <FormError message="The draft changed since you loaded it. Reload the draft, check it, then commit." testId="commit-error" />
        ) : info && info.code !== "INVALID_INPUT" ? (
          <FormError message={info.message} testId="commit-error" />
        ) : null}
        {committed?.revision === revision && !commit.error ? (
          <p className="note note-success" role="status" data-testid="commit-success">
            Committed draft revision {committed.revision} as version {committed.number}.
          </p>
        ) : null}
      </div>
      <div className="card-footer">
        <button type="submit" className="btn btn-primary" disabled={commit.isPending || !message.trim()}>
          {commit.isPending ? "Committing…" : "Commit version"}
        </button>
      </div>
    </form>
  );
}
