"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useState } from "react";
import { Sparkline } from "@/components/dashboard/sparkline";
import { canEdit, useSessionUser } from "@/components/layout/session";
import { useTRPC } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { AliasBadge, Badge } from "@/components/ui/badge";
import { errorInfo } from "@/components/ui/errors";
import { EmptyState, LoadingBlock, Spinner } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { ArchiveButton } from "./archive-button";
import { CreatePipelineForm } from "./create-pipeline-form";
import { RenamePipelineDialog, type TPipelineSummary } from "./rename-pipeline-dialog";

export function PipelinesPage() {
  const trpc = useTRPC();
  const user = useSessionUser();
  const editable = canEdit(user);
  const [search, setSearch] = useState("");
  const [includeArchived, setIncludeArchived] = useState(false);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ slug: string; name: string } | null>(null);
  const [renaming, setRenaming] = useState<TPipelineSummary | null>(null);
  const query = useDeferredValue(search.trim());

  const list = useQuery(trpc.pipelines.list.queryOptions({ search: query || undefined, includeArchived }, { placeholderData: keepPreviousData }));
  const filtering = query !== "" || includeArchived;
  // One query for every row; a pipeline missing from it (created since) shows no sparkline until the next fetch.
  const sparklines = useQuery(trpc.invocations.sparklines.queryOptions(undefined, { refetchInterval: 60_000 }));
  const traffic = new Map(sparklines.data?.pipelines.map((s) => [s.slug, s]));

  return (
    <div className="stack-lg">
      <div className="page-header">
        <div>
          <h1 className="page-title">Pipelines</h1>
          <p className="page-subtitle">Build, version and publish inference pipelines.</p>
        </div>
        {editable && !creating ? (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              setCreating(true);
              setCreated(null);
            }}
          >
            <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
              <path d="M8 3v10M3 8h10" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
            </svg>
            New pipeline
          </button>
        ) : null}
      </div>

      {creating ? (
        <CreatePipelineForm
          onCancel={() => setCreating(false)}
          onCreated={(p) => {
            setCreating(false);
            setCreated(p);
          }}
        />
      ) : null}

      {created ? (
        <Alert
          tone="success"
          title={`Created ${created.name}`}
          actions={
            <>
              <Link className="btn btn-secondary btn-sm" href={`/pipelines/${created.slug}`}>
                Open pipeline
              </Link>
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => setCreated(null)}>
                Dismiss
              </button>
            </>
          }
        >
          Its draft is ready to edit. Commit a version when it is ready to be published.
        </Alert>
      ) : null}

      <section className="card" aria-label="Pipeline list">
        <div className="toolbar">
          <div className="search">
            <svg className="search-icon" viewBox="0 0 16 16" width="15" height="15" aria-hidden="true">
              <circle cx="7" cy="7" r="4.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
              <path d="M10.5 10.5L14 14" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
            </svg>
            <label htmlFor="pipeline-search" className="sr-only">
              Search pipelines
            </label>
            <input
              id="pipeline-search"
              type="search"
              className="input search-input"
              placeholder="Search by name, slug or description"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          </div>
          <label className="checkbox">
            <input type="checkbox" checked={includeArchived} onChange={(e) => setIncludeArchived(e.target.checked)} />
            Show archived
          </label>
          <div className="toolbar-spacer" />
          {list.isFetching && !list.isPending ? <Spinner label="Updating…" /> : null}
          {list.data ? <span className="muted small">{list.data.length === 1 ? "1 pipeline" : `${list.data.length} pipelines`}</span> : null}
        </div>

        {list.isPending ? (
          <LoadingBlock label="Loading pipelines…" />
        ) : list.isError ? (
          <div className="card-body">
            <Alert tone="error" title="Could not load pipelines">
              {errorInfo(list.error).message}
            </Alert>
          </div>
        ) : list.data.length === 0 ? (
          filtering ? (
            <EmptyState title="No pipelines match">Try another search{includeArchived ? "" : ", or include archived pipelines"}.</EmptyState>
          ) : (
            <EmptyState
              title="No pipelines yet"
              action={
                editable && !creating ? (
                  <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
                    Create your first pipeline
                  </button>
                ) : undefined
              }
            >
              {editable ? "A pipeline turns a model and its pre- and post-processing into one versioned API." : "Nobody has created a pipeline yet. Editors and admins can create one."}
            </EmptyState>
          )
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="pipelines-table">
              <thead>
                <tr>
                  <th scope="col">Pipeline</th>
                  <th scope="col">Description</th>
                  <th scope="col" className="num">
                    Versions
                  </th>
                  <th scope="col" className="sparkline-col">
                    Last 24 h
                  </th>
                  <th scope="col">Aliases</th>
                  <th scope="col">Updated</th>
                  {editable ? (
                    <th scope="col" className="actions">
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {list.data.map((p) => (
                  <tr key={p.slug} className={p.archived ? "row-muted" : undefined} data-testid={`pipeline-row-${p.slug}`}>
                    <td>
                      <div className="cell-title">
                        <Link href={`/pipelines/${p.slug}`} className="row-link">
                          {p.name}
                        </Link>
                        {p.archived ? <Badge tone="warning">Archived</Badge> : null}
                        {p.versionCount > 0 && !p.archived ? (
                          <Link href={`/docs/${p.slug}`} className="row-api-link" title={`API docs for ${p.name}`}>
                            API
                          </Link>
                        ) : null}
                      </div>
                      <div className="mono muted small">{p.slug}</div>
                    </td>
                    <td className="cell-description">{p.description ? <span className="clamp-2">{p.description}</span> : <span className="subtle">No description</span>}</td>
                    <td className="num">{p.versionCount}</td>
                    <td className="sparkline-col">
                      <PipelineTraffic line={traffic.get(p.slug)} />
                    </td>
                    <td>
                      {p.aliases.length ? (
                        <div className="badge-row">
                          {p.aliases.map((a) => (
                            <AliasBadge key={a.name} name={a.name} version={a.version} />
                          ))}
                        </div>
                      ) : (
                        <span className="subtle">—</span>
                      )}
                    </td>
                    <td className="nowrap muted small">
                      <Time value={p.updatedAt} />
                    </td>
                    {editable ? (
                      <td className="actions">
                        <div className="row-actions">
                          {!p.archived ? (
                            <button type="button" className="btn btn-ghost btn-sm" aria-label={`Rename ${p.name}`} onClick={() => setRenaming({ slug: p.slug, name: p.name, description: p.description })}>
                              Rename
                            </button>
                          ) : null}
                          <ArchiveButton slug={p.slug} name={p.name} archived={p.archived} />
                        </div>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {renaming ? <RenamePipelineDialog pipeline={renaming} onClose={() => setRenaming(null)} /> : null}
    </div>
  );
}

/** Requests per hour over the last 24 h (from `invocations.sparklines`), or a dash while unknown. */
function PipelineTraffic({ line }: { line: { slug: string; counts: number[]; total: number } | undefined }) {
  return line ? <Sparkline counts={line.counts} total={line.total} testId={`sparkline-${line.slug}`} /> : <span className="subtle">—</span>;
}
