"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState, type ReactNode } from "react";
import { formatDuration } from "@/components/logs/format";
import { useTRPC, type TRouterOutputs } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";
import { EmptyState, LoadingBlock, Spinner } from "@/components/ui/states";
import { AliasComparisons } from "./alias-comparison";
import { ErrorRateChart, LatencyChart, RequestsChart } from "./dashboard-charts";
import { fillSeries, formatCount, formatPercent, RANGES, rangeWindow, summarize, type TRangeId } from "./series";

const REFRESH_MS = 15_000;

type TSlowNode = TRouterOutputs["invocations"]["stats"]["slowestNodes"][number];

/** The current time, advanced every `everyMs` (the window follows the clock between refetches). */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** Whether a previous query's input (from its tRPC query key) covered a window of the same length. */
function sameSpan(input: unknown, span: number): boolean {
  if (!input || typeof input !== "object") return false;
  const { from, to } = input as { from?: unknown; to?: unknown };
  return typeof from === "number" && typeof to === "number" && to - from === span;
}

/** A pipeline's traffic, errors and latency over the last hour, day or week; refreshed every 15 s. */
export function PipelineDashboard({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const [rangeId, setRangeId] = useState<TRangeId>("1h");
  const range = RANGES.find((r) => r.id === rangeId) ?? RANGES[0]!;
  const now = useNow(REFRESH_MS);
  const { from, to, step } = rangeWindow(range, now);
  const stats = useQuery(
    trpc.invocations.stats.queryOptions(
      { slug, from, to, bucket: range.bucket },
      // The window moved on by a bucket: keep the charts while it loads. Another range: show the spinner.
      { placeholderData: (prev, prevQuery) => (sameSpan(prevQuery?.queryKey[1]?.input, to - from) ? prev : undefined), refetchInterval: REFRESH_MS },
    ),
  );

  return (
    <div className="stack-lg dash" data-testid="pipeline-dashboard">
      <div className="dash-toolbar">
        <div className="dash-range" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button key={r.id} type="button" className={`dash-range-btn${r.id === rangeId ? " dash-range-btn-active" : ""}`} aria-pressed={r.id === rangeId} onClick={() => setRangeId(r.id)}>
              Last {r.label}
            </button>
          ))}
        </div>
        <span className="muted small">
          Per {range.bucket} · refreshes every {REFRESH_MS / 1000} s
        </span>
        <div className="toolbar-spacer" />
        {stats.isFetching && !stats.isPending ? <Spinner label="Updating…" /> : null}
        <Link className="btn btn-ghost btn-sm" href={`/logs?slug=${encodeURIComponent(slug)}`}>
          Open logs
        </Link>
      </div>

      {stats.isPending ? (
        <LoadingBlock label="Loading statistics…" />
      ) : stats.isError ? (
        <Alert tone="error" title="Could not load the dashboard">
          {errorInfo(stats.error).message}
        </Alert>
      ) : (
        <DashboardBody slug={slug} data={stats.data} from={from} to={to} step={step} rangeId={rangeId} phrase={range.phrase} />
      )}
      <AliasComparisons slug={slug} from={from} to={to} refreshMs={REFRESH_MS} />
    </div>
  );
}

function DashboardBody({ slug, data, from, to, step, rangeId, phrase }: { slug: string; data: TRouterOutputs["invocations"]["stats"]; from: number; to: number; step: number; rangeId: TRangeId; phrase: string }) {
  const summary = summarize(data.buckets);
  if (summary.requests === 0) {
    return (
      <div className="card">
        <EmptyState title={`No runs in ${phrase}`}>
          Calls over REST or the Open Inference Protocol and test runs from the editor show up here within seconds{rangeId === "7d" ? "." : "; older runs under a longer range."}
        </EmptyState>
      </div>
    );
  }
  const points = fillSeries(data.buckets, from, to, step);
  const estimated = data.buckets.length > 1 ? `Estimated from per-${data.bucket} percentiles, weighted by runs` : undefined;
  return (
    <>
      <div className="dash-figures" aria-label={`Summary over ${phrase}`} role="group">
        <Figure label="Requests" value={formatCount(summary.requests)} testId="dash-requests" />
        <Figure
          label="Error rate"
          value={formatPercent(summary.errorRate)}
          note={
            summary.errors > 0 ? (
              <Link href={`/logs?slug=${encodeURIComponent(slug)}&status=error`}>{`${formatCount(summary.errors)} ${summary.errors === 1 ? "error" : "errors"}`}</Link>
            ) : (
              "no errors"
            )
          }
          testId="dash-error-rate"
          tone={summary.errors > 0 ? "danger" : undefined}
        />
        <Figure label="p50" value={formatDuration(summary.p50)} title={estimated} testId="dash-p50" />
        <Figure label="p95" value={formatDuration(summary.p95)} title={estimated} testId="dash-p95" />
        <Figure label="p99" value={formatDuration(summary.p99)} title={estimated} testId="dash-p99" />
      </div>
      <div className="dash-charts">
        <RequestsChart points={points} range={rangeId} bucket={data.bucket} />
        <ErrorRateChart points={points} range={rangeId} bucket={data.bucket} />
        <div className="dash-chart-wide">
          <LatencyChart points={points} range={rangeId} bucket={data.bucket} />
        </div>
      </div>
      <SlowestNodes nodes={data.slowestNodes} />
    </>
  );
}

function Figure({ label, value, note, title, testId, tone }: { label: string; value: string; note?: ReactNode; title?: string; testId: string; tone?: "danger" }) {
  return (
    <div className={`card dash-figure${tone ? ` dash-figure-${tone}` : ""}`} title={title}>
      <div className="dash-figure-label">{label}</div>
      <div className="dash-figure-value" data-testid={testId}>
        {value}
      </div>
      {note ? <div className="dash-figure-note">{note}</div> : null}
    </div>
  );
}

/** The nodes with the highest p95 over the range, a bar scaled to the slowest. */
function SlowestNodes({ nodes }: { nodes: TSlowNode[] }) {
  const max = Math.max(...nodes.map((n) => n.p95Ms), 0);
  return (
    <section className="card" aria-label="Slowest nodes">
      <div className="card-header">
        <div>
          <h3 className="card-title">Slowest nodes</h3>
          <p className="card-subtitle">By p95 over the range, from the runs&apos; traces (top 10)</p>
        </div>
      </div>
      {nodes.length === 0 ? (
        <EmptyState title="No node timings">The runs in this range have no trace entries.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table table-compact" data-testid="slowest-nodes">
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">Type</th>
                <th scope="col" className="num">
                  Runs
                </th>
                <th scope="col" className="num">
                  Mean
                </th>
                <th scope="col" className="num">
                  p95
                </th>
                <th scope="col" className="dash-bar-col">
                  <span className="sr-only">p95 relative to the slowest</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {nodes.map((n) => (
                <tr key={`${n.node}\u0000${n.type}`} data-testid="slow-node-row" data-node={n.node}>
                  <td className="mono">{n.node}</td>
                  <td className="mono muted small">{n.type}</td>
                  <td className="num">{formatCount(n.count)}</td>
                  <td className="num nowrap">{formatDuration(n.meanMs)}</td>
                  <td className="num nowrap">{formatDuration(n.p95Ms)}</td>
                  <td className="dash-bar-col" aria-hidden="true">
                    <div className="dash-bar">
                      <div className="dash-bar-fill" style={{ width: `${max > 0 ? Math.max(1, (100 * n.p95Ms) / max) : 0}%` }} />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
