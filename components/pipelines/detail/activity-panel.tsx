"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";
import { shortHash } from "@/components/ui/format";
import { EmptyState, LoadingBlock } from "@/components/ui/states";
import { Time } from "@/components/ui/time";

type TDetails = Record<string, unknown>;

const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "?");

/** One audit row as a sentence fragment following the actor's email. */
export function describeAction(action: string, raw: unknown): string {
  const d: TDetails = typeof raw === "object" && raw !== null ? (raw as TDetails) : {};
  switch (action) {
    case "pipeline.create":
      return "created the pipeline";
    case "pipeline.rename":
      return `renamed it from “${str(d.from)}” to “${str(d.to)}”`;
    case "pipeline.archive":
      return "archived the pipeline";
    case "pipeline.unarchive":
      return "unarchived the pipeline";
    case "version.commit":
      return `committed v${str(d.version)}${typeof d.contentHash === "string" ? ` (${shortHash(d.contentHash)})` : ""}`;
    case "alias.set": {
      const what = d.from === null || d.from === undefined ? `set alias ${str(d.alias)} → v${str(d.to)}` : `moved alias ${str(d.alias)} from v${str(d.from)} to v${str(d.to)}`;
      return d.forced === true ? `${what}, overriding failing sample checks` : what;
    }
    case "alias.promote":
      return `promoted canary v${str(d.to)} of ${str(d.alias)} (was v${str(d.from)})${d.forced === true ? ", overriding failing sample checks" : ""}`;
    case "alias.split": {
      const parts = [d.canary === null || d.canary === undefined ? "no canary" : `canary v${str(d.canary)} at ${str(d.weight)} %${d.sticky === false ? " (random)" : " (sticky)"}`, d.shadow === null || d.shadow === undefined ? "no shadow" : `shadow v${str(d.shadow)}`];
      return `split alias ${str(d.alias)}: v${str(d.version)}, ${parts.join(", ")}`;
    }
    case "pipeline.logPolicy":
      return `set the invocation log to keep ${d.payload === "truncated" ? `payloads truncated to ${str(d.truncateKb)} KiB` : d.payload === "metadata" ? "metadata only" : "full payloads"}${typeof d.redact === "string" && d.redact ? `, redacting ${d.redact}` : ""}`;
    case "pipeline.cachePolicy":
      return d.enabled === true ? `turned the response cache on (answers kept ${str(d.ttlSeconds)} s)` : "turned the response cache off";
    default:
      return action;
  }
}

function actionTone(action: string): string {
  if (action.startsWith("alias")) return "dot-alias";
  if (action.startsWith("version")) return "dot-version";
  if (action.endsWith("archive")) return "dot-archive";
  return "dot-default";
}

export function ActivityPanel({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const audit = useInfiniteQuery(trpc.audit.list.infiniteQueryOptions({ slug, limit: 15 }, { getNextPageParam: (last) => last.nextCursor }));
  const items = audit.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section className="card" aria-labelledby="activity-title" data-testid="activity-panel">
      <div className="card-header">
        <div>
          <h2 className="card-title" id="activity-title">
            Activity
          </h2>
          <p className="card-subtitle">Who changed what, newest first.</p>
        </div>
      </div>
      {audit.isPending ? (
        <LoadingBlock />
      ) : audit.isError ? (
        <div className="card-body">
          <Alert tone="error">{errorInfo(audit.error).message}</Alert>
        </div>
      ) : items.length === 0 ? (
        <EmptyState title="No activity yet" />
      ) : (
        <>
          <ol className="timeline">
            {items.map((item) => (
              <li key={item.id} className="timeline-item">
                <span className={`timeline-dot ${actionTone(item.action)}`} aria-hidden="true" />
                <div className="timeline-text">
                  <span className="timeline-actor">{item.actorEmail ?? "system"}</span> {describeAction(item.action, item.details)}
                </div>
                <span className="timeline-time muted small">
                  <Time value={item.at} />
                </span>
              </li>
            ))}
          </ol>
          {audit.hasNextPage ? (
            <div className="card-footer card-footer-center">
              <button type="button" className="btn btn-ghost btn-sm" disabled={audit.isFetchingNextPage} onClick={() => void audit.fetchNextPage()}>
                {audit.isFetchingNextPage ? "Loading…" : "Show older activity"}
              </button>
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}
