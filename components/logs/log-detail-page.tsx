"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";
import { LoadingBlock } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { BinaryStrip, elideThumbnails } from "./binary-inputs";
import { formatDuration, summaryText, versionLabel } from "./format";
import { CachedBadge, ShadowBadge, StatusBadge } from "./logs-page";

interface TTraceRow {
  nodeId: string;
  type: string;
  status: string;
  start: number;
  durationMs: number;
  cached?: boolean;
  outputs?: Record<string, unknown>;
  error?: string;
}

function asTrace(trace: unknown): TTraceRow[] {
  if (!Array.isArray(trace)) return [];
  return trace.filter((t): t is TTraceRow => typeof t === "object" && t !== null && typeof (t as TTraceRow).nodeId === "string");
}

export function LogDetailPage({ id }: { id: string }) {
  const trpc = useTRPC();
  const inv = useQuery(trpc.invocations.get.queryOptions({ id }));
  if (inv.isPending) return <LoadingBlock label="Loading invocation…" />;
  if (inv.isError) {
    return (
      <div className="stack-lg">
        <nav className="breadcrumbs" aria-label="Breadcrumb">
          <Link href="/logs">Logs</Link>
        </nav>
        <Alert tone="error" title="Could not load this invocation">
          {errorInfo(inv.error).message}
        </Alert>
      </div>
    );
  }
  const d = inv.data;
  const trace = asTrace(d.trace);
  return (
    <div className="stack-lg" data-testid="log-detail">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link href="/logs">Logs</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page" className="mono">{d.id.slice(0, 8)}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1 className="page-title logs-detail-title">
            {d.pipeline.name ?? "Deleted pipeline"} <StatusBadge status={d.status} />
            {d.cached ? <CachedBadge /> : null}
            {d.shadowOf ? <ShadowBadge /> : null}
          </h1>
          <p className="page-subtitle">
            <Time value={d.startedAt} /> · {versionLabel(d)} · {d.source} · {formatDuration(d.durationMs)}
            {d.apiKey ? ` · key ${d.apiKey.name ?? d.apiKey.id}` : ""}
            {d.user ? ` · ${d.user.name ?? d.user.email ?? d.user.id}` : ""}
          </p>
          <p className="muted small mono">{d.id}</p>
        </div>
        {d.pipeline.slug ? (
          <div className="button-row">
            <Link href={`/pipelines/${d.pipeline.slug}`} className="btn btn-secondary btn-sm">
              Open pipeline
            </Link>
            <Link href={`/pipelines/${d.pipeline.slug}?replay=${d.id}`} className="btn btn-primary btn-sm" data-testid="replay-in-editor" title="Open the editor at the version that answered, with this call's inputs in the test panel">
              Replay in editor
            </Link>
          </div>
        ) : null}
      </div>

      {d.status === "error" || d.errorCode ? (
        <div className="logs-error" role="alert" data-testid="log-error">
          <div className="logs-error-head">
            <span className="mono">{d.errorCode ?? "ERROR"}</span>
            {d.errorNode ? (
              <span>
                {" "}
                at node <strong data-testid="log-error-node">{d.errorNode}</strong>
              </span>
            ) : null}
          </div>
          {d.errorMessage ? <p className="logs-error-message">{d.errorMessage}</p> : null}
        </div>
      ) : null}
      {d.cached ? (
        <Alert tone="info" title="Answered from the response cache">
          The same version got the same inputs earlier and its outputs were returned again; the pipeline did not run, so there is no node waterfall.
        </Alert>
      ) : null}
      {d.shadowOf ? (
        <Alert tone="info" title="Shadow copy">
          <span>
            A copy of{" "}
            <Link href={`/logs/${d.shadowOf}`} data-testid="shadow-of-link">
              another call
            </Link>{" "}
            sent to {d.alias ? `${d.alias}'s` : "the alias's"} shadow version after it was answered; these outputs were logged for comparison and never returned.
          </span>
        </Alert>
      ) : d.shadows.length > 0 ? (
        <Alert tone="info" title="Shadow copies">
          <span>
            This call was copied to {d.alias ? `${d.alias}'s` : "the alias's"} shadow version:{" "}
            {d.shadows.map((s, i) => (
              <span key={s.id}>
                {i > 0 ? ", " : ""}
                <Link href={`/logs/${s.id}`} data-testid="shadow-link">{`v${s.versionNumber ?? "?"} (${s.status})`}</Link>
              </span>
            ))}
            .
          </span>
        </Alert>
      ) : null}
      {d.truncated ? (
        <Alert tone="warning" title="Payload trimmed">
          This pipeline&apos;s log policy truncated or dropped part of the payload.
        </Alert>
      ) : null}

      <section className="card" aria-label="Node waterfall">
        <div className="card-header">
          <h2 className="card-title">Waterfall</h2>
          <span className="card-header-aside muted small">{trace.length === 1 ? "1 node" : `${trace.length} nodes`}</span>
        </div>
        <div className="card-body">
          {trace.length === 0 ? <p className="muted small">No trace was recorded for this run.</p> : <Waterfall trace={trace} total={d.durationMs} />}
        </div>
      </section>

      <div className="logs-payloads">
        <section className="card" aria-label="Inputs">
          <div className="card-header">
            <h2 className="card-title">Inputs</h2>
          </div>
          <div className="card-body">
            <BinaryStrip value={d.inputs} />
            <Json value={elideThumbnails(d.inputs)} testId="log-inputs" />
          </div>
        </section>
        <section className="card" aria-label="Outputs">
          <div className="card-header">
            <h2 className="card-title">Outputs</h2>
          </div>
          <div className="card-body">
            <Json value={d.outputs} testId="log-outputs" />
          </div>
        </section>
      </div>
    </div>
  );
}

function Json({ value, testId }: { value: unknown; testId: string }) {
  if (value === null || value === undefined) return <p className="muted small">Nothing recorded.</p>;
  return (
    <pre className="code-block logs-json" data-testid={testId}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

function Waterfall({ trace, total }: { trace: TTraceRow[]; total: number | null }) {
  const end = Math.max(total ?? 0, ...trace.map((t) => t.start + t.durationMs), 0.001);
  const rows = [...trace].sort((a, b) => a.start - b.start);
  return (
    <div className="waterfall" data-testid="waterfall">
      <div className="waterfall-scale muted small" aria-hidden="true">
        <span>0 ms</span>
        <span>{formatDuration(end / 2)}</span>
        <span>{formatDuration(end)}</span>
      </div>
      {rows.map((t) => {
        const left = (t.start / end) * 100;
        const width = Math.max((t.durationMs / end) * 100, 0.6);
        const outputs = t.outputs ? Object.entries(t.outputs) : [];
        return (
          <div key={t.nodeId} className={`waterfall-row waterfall-${t.status}`} data-testid="waterfall-row" data-node={t.nodeId}>
            <div className="waterfall-label">
              <div className="waterfall-node">
                <span className="mono">{t.nodeId}</span> <span className="muted small">{t.type}</span>
              </div>
              <div className="small">
                <span className={`waterfall-status waterfall-status-${t.status}`}>{t.status}</span>
                {t.cached ? <span className="muted"> · cached</span> : null}
                <span className="muted"> · {formatDuration(t.durationMs)}</span>
              </div>
            </div>
            <div className="waterfall-track">
              <div
                className="waterfall-bar"
                style={{ left: `${Math.min(left, 99.4)}%`, width: `${Math.min(width, 100 - Math.min(left, 99.4))}%` }}
                title={`${t.nodeId}: starts at ${formatDuration(t.start)}, takes ${formatDuration(t.durationMs)}`}
              />
            </div>
            <div className="waterfall-summary small">
              {t.error ? <span className="waterfall-node-error">{t.error}</span> : null}
              {outputs.map(([k, v]) => (
                <div key={k} className="waterfall-output">
                  <span className="mono">{k}</span>: <span className="muted">{summaryText(v)}</span>
                </div>
              ))}
              {!t.error && outputs.length === 0 ? <span className="muted">—</span> : null}
            </div>
          </div>
        );
      })}
    </div>
  );
}
