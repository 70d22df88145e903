"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { AssetsPanel } from "@/components/assets/assets-panel";
import { BatchesPanel } from "@/components/batches/batches-panel";
import { PipelineEditor, type TEditorHandle } from "@/components/canvas/pipeline-editor";
import { PipelineDashboard } from "@/components/dashboard/pipeline-dashboard";
import { canEdit, useSessionUser } from "@/components/layout/session";
import { useTRPC } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { errorInfo } from "@/components/ui/errors";
import { plural } from "@/components/ui/format";
import { EmptyState, LoadingBlock } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { ArchiveButton } from "../archive-button";
import { RenamePipelineDialog } from "../rename-pipeline-dialog";
import { ActivityPanel } from "./activity-panel";
import { AliasesPanel } from "./aliases-panel";
import { CachePolicyPanel } from "./cache-policy-panel";
import { DraftWorkspace } from "./draft-workspace";
import { LogPolicyPanel } from "./log-policy-panel";
import { VersionsPanel } from "./versions-panel";

type TTab = "editor" | "dashboard" | "batches" | "assets" | "history" | "json";
const TABS: [TTab, string][] = [
  ["editor", "Editor"],
  ["dashboard", "Dashboard"],
  ["batches", "Batches"],
  ["assets", "Assets"],
  ["history", "Versions & activity"],
  ["json", "JSON"],
];

/** `replayId`: a logged call to replay in the editor (from the Logs page, `?replay=<id>`). */
export function PipelineDetailPage({ replayId }: { replayId?: string | undefined } = {}) {
  const params = useParams<{ slug: string }>();
  const router = useRouter();
  const slug = decodeURIComponent(params.slug);
  const trpc = useTRPC();
  const user = useSessionUser();
  const editable = canEdit(user);
  const [renaming, setRenaming] = useState(false);
  const [tab, setTab] = useState<TTab>("editor");
  const [switching, setSwitching] = useState(false);
  const editor = useRef<TEditorHandle | null>(null);
  const pipeline = useQuery(trpc.pipelines.get.queryOptions({ slug }));

  if (pipeline.isPending) return <LoadingBlock label="Loading pipeline…" />;
  if (pipeline.isError) {
    const info = errorInfo(pipeline.error);
    return info.code === "NOT_FOUND" ? (
      <EmptyState
        title="Pipeline not found"
        action={
          <Link href="/pipelines" className="btn btn-secondary">
            Back to pipelines
          </Link>
        }
      >
        There is no pipeline with slug <code>{slug}</code>.
      </EmptyState>
    ) : (
      <Alert tone="error" title="Could not load the pipeline">
        {info.message}
      </Alert>
    );
  }

  const p = pipeline.data;
  const readOnlyReason = p.archived
    ? "This pipeline is archived: the draft is read-only."
    : !editable
      ? "You are a viewer: the draft is read-only."
      : undefined;

  async function openTab(next: TTab) {
    if (next === tab) return;
    // The canvas autosaves; leave it only once its last edits are saved (the other tabs read the draft).
    if (tab === "editor" && editor.current) {
      setSwitching(true);
      await editor.current.flush();
      setSwitching(false);
    }
    setTab(next);
  }

  return (
    <div className="pipeline-page">
      <div className="pipeline-head">
        <div className="pipeline-head-main">
          <nav className="breadcrumbs" aria-label="Breadcrumb">
            <Link href="/pipelines">Pipelines</Link>
            <span aria-hidden="true">/</span>
            <span aria-current="page">{p.name}</span>
          </nav>
          <div className="title-row">
            <h1 className="page-title">{p.name}</h1>
            <code className="slug-pill" title="Slug (used in API URLs)">
              {p.slug}
            </code>
            {p.archived ? <Badge tone="warning">Archived</Badge> : null}
          </div>
          <p className="meta-line">
            {p.description ? <span className="pipeline-desc">{p.description} · </span> : null}
            {plural(p.versionCount, "version")} · created <Time value={p.createdAt} /> · updated <Time value={p.updatedAt} />
          </p>
        </div>
        <div className="pipeline-head-aside">
          <div className="page-tabs" role="tablist" aria-label="Pipeline views">
            {TABS.map(([id, label]) => (
              <button key={id} type="button" role="tab" aria-selected={tab === id} className={`page-tab${tab === id ? " page-tab-active" : ""}`} disabled={switching} onClick={() => void openTab(id)} data-testid={`${id}-tab`}>
                {label}
              </button>
            ))}
          </div>
          {editable ? (
            <div className="button-row">
              {!p.archived ? (
                <button type="button" className="btn btn-secondary btn-sm" onClick={() => setRenaming(true)}>
                  Rename
                </button>
              ) : null}
              <ArchiveButton slug={p.slug} name={p.name} archived={p.archived} size="md" />
            </div>
          ) : null}
        </div>
      </div>

      {p.archived ? (
        <Alert tone="warning" title="This pipeline is archived">
          It is hidden from the pipeline list and read-only. {editable ? "Unarchive it to make changes." : ""}
        </Alert>
      ) : null}

      {tab === "editor" ? (
        <PipelineEditor
          slug={p.slug}
          readOnly={!!readOnlyReason}
          readOnlyReason={readOnlyReason}
          handleRef={editor}
          replayId={replayId}
          onCloseReplay={() => router.replace(`/pipelines/${encodeURIComponent(p.slug)}`)}
        />
      ) : tab === "dashboard" ? (
        <PipelineDashboard slug={p.slug} />
      ) : tab === "batches" ? (
        <BatchesPanel slug={p.slug} editable={editable && !p.archived} />
      ) : tab === "assets" ? (
        <AssetsPanel slug={p.slug} editable={editable && !p.archived} />
      ) : tab === "history" ? (
        <div className="stack-lg">
          <div className="detail-grid">
            <VersionsPanel slug={p.slug} />
            <div className="stack">
              <AliasesPanel slug={p.slug} editable={editable && !p.archived} />
              <LogPolicyPanel slug={p.slug} policy={p.logPolicy} editable={editable && !p.archived} />
              <CachePolicyPanel slug={p.slug} policy={p.cachePolicy} editable={editable && !p.archived} />
            </div>
          </div>
          <ActivityPanel slug={p.slug} />
        </div>
      ) : (
        <div className="stack-lg">
          <DraftWorkspace slug={p.slug} editable={editable} readOnlyReason={readOnlyReason} aside={<AliasesPanel slug={p.slug} editable={editable && !p.archived} />} />
          <VersionsPanel slug={p.slug} />
          <ActivityPanel slug={p.slug} />
        </div>
      )}
      {renaming ? <RenamePipelineDialog pipeline={p} onClose={() => setRenaming(false)} /> : null}
    </div>
  );
}
