"use client";

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC, type TRouterInputs, type TRouterOutputs } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { Badge, type TBadgeTone } from "@/components/ui/badge";
import { errorInfo } from "@/components/ui/errors";
import { EmptyState, LoadingBlock } from "@/components/ui/states";
import { formatFull } from "@/components/ui/format";
import { formatDuration, formatStamp, versionLabel } from "./format";

type TListInput = TRouterInputs["invocations"]["list"];
type TStatus = NonNullable<TListInput["status"]>;
type TSource = NonNullable<TListInput["source"]>;
export type TInvocationRow = TRouterOutputs["invocations"]["list"]["items"][number];

const STATUSES: TStatus[] = ["ok", "error", "running", "abandoned"];
const SOURCES: TSource[] = ["editor", "rest", "oip", "batch"];
const PAGE = 50;

export function statusTone(status: string): TBadgeTone {
  return status === "ok" ? "success" : status === "error" ? "danger" : status === "abandoned" ? "warning" : "accent";
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge tone={statusTone(status)} testId="status-badge">
      {status}
    </Badge>
  );
}

/** A call answered from the pipeline's response cache (nothing ran). */
export function CachedBadge() {
  return (
    <>
      {" "}
      <Badge tone="neutral" testId="cached-badge">
        cached
      </Badge>
    </>
  );
}

/** A shadow copy of a call (an alias with a shadow version): logged, never returned. */
export function ShadowBadge() {
  return (
    <>
      {" "}
      <Badge tone="accent" testId="shadow-badge" title="A copy of a call sent to the alias's shadow version; its outputs were not returned">
        shadow
      </Badge>
    </>
  );
}

/** Filters a link can preset (`/logs?slug=iris&status=error&key=<id>`), e.g. from a pipeline's dashboard. */
export interface TLogsInitialFilters {
  slug?: string | undefined;
  status?: string | undefined;
  source?: string | undefined;
  version?: string | undefined;
  apiKeyId?: string | undefined;
  minMs?: string | undefined;
}

export function LogsPage({ initial = {} }: { initial?: TLogsInitialFilters }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [slug, setSlug] = useState(initial.slug ?? "");
  const [status, setStatus] = useState<TStatus | "">(STATUSES.includes(initial.status as TStatus) ? (initial.status as TStatus) : "");
  const [source, setSource] = useState<TSource | "">(SOURCES.includes(initial.source as TSource) ? (initial.source as TSource) : "");
  const [apiKeyId, setApiKeyId] = useState(initial.apiKeyId ?? "");
  const [minMs, setMinMs] = useState(initial.minMs ?? "");
  /** "draft", a version number ("3" or "v3"), or an alias name. */
  const [version, setVersion] = useState(initial.version ?? "");
  /** The time window: minutes back, and the instant it was chosen (stable query key). */
  const [since, setSince] = useState<{ minutes: string; from?: string }>({ minutes: "" });
  const [live, setLive] = useState(false);

  const pipelines = useQuery(trpc.pipelines.list.queryOptions({ includeArchived: true }));
  const keys = useQuery(trpc.invocations.keys.queryOptions());
  const minDurationMs = minMs.trim() === "" || !Number.isFinite(Number(minMs)) ? undefined : Math.max(0, Number(minMs));
  const v = version.trim();
  const versionFilter: Pick<TListInput, "version" | "alias"> =
    v === "" ? {} : v.toLowerCase() === "draft" ? { version: "draft" } : /^v?\d{1,9}$/i.test(v) && Number(v.replace(/^v/i, "")) >= 1 ? { version: Number(v.replace(/^v/i, "")) } : { alias: v.slice(0, 32) };
  const input: TListInput = {
    ...(slug ? { slug } : {}),
    ...versionFilter,
    ...(status ? { status } : {}),
    ...(source ? { source } : {}),
    ...(apiKeyId ? { apiKeyId } : {}),
    ...(minDurationMs !== undefined ? { minDurationMs } : {}),
    ...(since.from ? { from: since.from } : {}),
    limit: PAGE,
  };
  const logs = useInfiniteQuery(
    trpc.invocations.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor,
      placeholderData: keepPreviousData,
      // A log is read for what just happened: never show a cached page without asking again.
      staleTime: 0,
      refetchOnMount: "always",
      refetchInterval: live ? 2_000 : false,
    }),
  );
  const rows = logs.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(v || slug || status || source || apiKeyId || minDurationMs !== undefined || since.from);

  return (
    <div className="stack-lg">
      <div className="page-header">
        <div>
          <h1 className="page-title">Logs</h1>
          <p className="page-subtitle">Every invocation — editor, REST, OIP and batch — newest first.</p>
        </div>
      </div>
      <section className="card" aria-label="Invocation log">
        <div className="logs-filters" role="group" aria-label="Filters">
          <label className="logs-filter">
            <span className="logs-filter-label">Pipeline</span>
            <select className="input select select-sm" value={slug} onChange={(e) => setSlug(e.target.value)} data-testid="filter-pipeline">
              <option value="">All pipelines</option>
              {(pipelines.data ?? []).map((p) => (
                <option key={p.slug} value={p.slug}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <label className="logs-filter">
            <span className="logs-filter-label">Version or alias</span>
            <input
              className="input input-sm logs-filter-version"
              placeholder="v3, draft, production"
              value={version}
              onChange={(e) => setVersion(e.target.value)}
              data-testid="filter-version"
            />
          </label>
          <label className="logs-filter">
            <span className="logs-filter-label">Status</span>
            <select className="input select select-sm" value={status} onChange={(e) => setStatus(e.target.value as TStatus | "")} data-testid="filter-status">
              <option value="">Any status</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label className="logs-filter">
            <span className="logs-filter-label">Source</span>
            <select className="input select select-sm" value={source} onChange={(e) => setSource(e.target.value as TSource | "")} data-testid="filter-source">
              <option value="">Any source</option>
              {SOURCES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label className="logs-filter">
            <span className="logs-filter-label">API key</span>
            <select className="input select select-sm" value={apiKeyId} onChange={(e) => setApiKeyId(e.target.value)} data-testid="filter-api-key">
              <option value="">Any key</option>
              {(keys.data ?? []).map((k) => (
                <option key={k.id} value={k.id}>
                  {k.name} (il_{k.prefix}_…){k.revokedAt ? " · revoked" : ""}
                </option>
              ))}
            </select>
          </label>
          <label className="logs-filter">
            <span className="logs-filter-label">Slower than (ms)</span>
            <input
              className="input input-sm logs-filter-number"
              type="number"
              min={0}
              inputMode="numeric"
              placeholder="0"
              value={minMs}
              onChange={(e) => setMinMs(e.target.value)}
              data-testid="filter-min-ms"
            />
          </label>
          <label className="logs-filter">
            <span className="logs-filter-label">Time range</span>
            <select
              className="input select select-sm"
              value={since.minutes}
              onChange={(e) =>
                setSince(e.target.value ? { minutes: e.target.value, from: new Date(Date.now() - Number(e.target.value) * 60_000).toISOString() } : { minutes: "" })
              }
              data-testid="filter-range"
            >
              <option value="">All time</option>
              <option value="15">Last 15 minutes</option>
              <option value="60">Last hour</option>
              <option value="1440">Last 24 hours</option>
              <option value="10080">Last 7 days</option>
            </select>
          </label>
          <div className="toolbar-spacer" />
          <label className="logs-live">
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} data-testid="live-tail" />
            <span>Live tail</span>
            {live ? <span className="logs-live-dot" aria-label="Refreshing every 2 seconds" title="Refreshing every 2 seconds" /> : null}
          </label>
        </div>
        {logs.isPending ? (
          <LoadingBlock label="Loading invocations…" />
        ) : logs.isError ? (
          <div className="card-body">
            <Alert tone="error" title="Could not load the logs">
              {errorInfo(logs.error).message}
            </Alert>
          </div>
        ) : rows.length === 0 ? (
          <EmptyState title={filtered ? "No invocations match these filters" : "No invocations yet"}>
            {filtered ? "Loosen a filter to see more." : "Runs from the editor, the REST and OIP endpoints and batch jobs appear here."}
          </EmptyState>
        ) : (
          <>
            <div className="table-wrap">
              <table className="table logs-table" data-testid="logs-table">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Pipeline</th>
                    <th scope="col">Version</th>
                    <th scope="col">Source</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Duration
                    </th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr
                      key={r.id}
                      className="logs-row"
                      data-testid="log-row"
                      data-status={r.status}
                      tabIndex={0}
                      onClick={() => router.push(`/logs/${r.id}`)}
                      onKeyDown={(e) => {
                        if (e.key === "Enter") router.push(`/logs/${r.id}`);
                      }}
                    >
                      <td className="nowrap small">
                        <Link href={`/logs/${r.id}`} className="logs-row-link" onClick={(e) => e.stopPropagation()}>
                          <time dateTime={r.startedAt} title={formatFull(r.startedAt)}>
                            {formatStamp(r.startedAt)}
                          </time>
                        </Link>
                      </td>
                      <td>{r.pipeline.name ?? <span className="muted">deleted</span>}</td>
                      <td className="nowrap">
                        <span className={r.versionNumber === null ? "muted" : "mono small"}>{versionLabel(r)}</span>
                      </td>
                      <td className="small">{r.source}</td>
                      <td className="nowrap">
                        <StatusBadge status={r.status} />
                        {r.cached ? <CachedBadge /> : null}
                        {r.shadowOf ? <ShadowBadge /> : null}
                      </td>
                      <td className="num nowrap mono small">{formatDuration(r.durationMs)}</td>
                      <td className="small">
                        {r.errorCode ? (
                          <span className="logs-error-cell">
                            <span className="mono">{r.errorCode}</span>
                            {r.errorNode ? <span className="muted"> at {r.errorNode}</span> : null}
                          </span>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="card-footer card-footer-center">
              {logs.hasNextPage ? (
                <button type="button" className="btn btn-secondary btn-sm" onClick={() => void logs.fetchNextPage()} disabled={logs.isFetchingNextPage} data-testid="load-more">
                  {logs.isFetchingNextPage ? "Loading…" : "Load more"}
                </button>
              ) : (
                <span className="muted small">
                  {rows.length === 1 ? "1 invocation" : `${rows.length} invocations`} · end of log
                </span>
              )}
            </div>
          </>
        )}
      </section>
    </div>
  );
}
