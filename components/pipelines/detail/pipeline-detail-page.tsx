"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useState } from "react";
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
import { DraftWorkspace } from "./draft-workspace";
import { VersionsPanel } from "./versions-panel";

export function PipelineDetailPage() {
  const params = useParams<{ slug: string }>();
  const slug = decodeURIComponent(params.slug);
  const trpc = useTRPC();
  const user = useSessionUser();
  const editable = canEdit(user);
  const [renaming, setRenaming] = useState(false);
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

  return (
    <div className="stack-lg">
      <div>
        <nav className="breadcrumbs" aria-label="Breadcrumb">
          <Link href="/pipelines">Pipelines</Link>
          <span aria-hidden="true">/</span>
          <span aria-current="page">{p.name}</span>
        </nav>
        <div className="page-header">
          <div className="page-header-main">
            <div className="title-row">
              <h1 className="page-title">{p.name}</h1>
              <code className="slug-pill" title="Slug (used in API URLs)">
                {p.slug}
              </code>
              {p.archived ? <Badge tone="warning">Archived</Badge> : null}
            </div>
            {p.description ? <p className="page-subtitle">{p.description}</p> : <p className="page-subtitle subtle">No description</p>}
            <p className="meta-line">
              {plural(p.versionCount, "version")} · created <Time value={p.createdAt} /> · updated <Time value={p.updatedAt} />
            </p>
          </div>
          {editable ? (
            <div className="button-row">
              {!p.archived ? (
                <button type="button" className="btn btn-secondary" onClick={() => setRenaming(true)}>
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

      <DraftWorkspace slug={p.slug} editable={editable} readOnlyReason={readOnlyReason} aside={<AliasesPanel slug={p.slug} editable={editable && !p.archived} />} />
      <VersionsPanel slug={p.slug} />
      <ActivityPanel slug={p.slug} />
      {renaming ? <RenamePipelineDialog pipeline={p} onClose={() => setRenaming(false)} /> : null}
    </div>
  );
}
