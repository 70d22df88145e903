"use client";

import { useQuery } from "@tanstack/react-query";
import { canEdit, useSessionUser } from "@/components/layout/session";
import { formatDuration } from "@/components/logs/format";
import { PromoteCanaryButton } from "@/components/pipelines/detail/promote-canary-button";
import { useTRPC, type TRouterOutputs } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { AliasBadge } from "@/components/ui/badge";
import { errorInfo } from "@/components/ui/errors";
import { LoadingBlock } from "@/components/ui/states";
import { formatCount, formatPercent } from "./series";

type TComparison = TRouterOutputs["invocations"]["compare"];

/** One comparison card per alias that has a canary or a shadow, over the dashboard's window. */
export function AliasComparisons({ slug, from, to, refreshMs }: { slug: string; from: number; to: number; refreshMs: number }) {
  const trpc = useTRPC();
  const aliases = useQuery(trpc.aliases.list.queryOptions({ slug }, { refetchInterval: refreshMs }));
  const split = aliases.data?.filter((a) => a.canary || a.shadow !== null) ?? [];
  return (
    <>
      {split.map((a) => (
        <AliasComparison key={a.name} slug={slug} alias={a.name} from={from} to={to} refreshMs={refreshMs} />
      ))}
    </>
  );
}

function AliasComparison({ slug, alias, from, to, refreshMs }: { slug: string; alias: string; from: number; to: number; refreshMs: number }) {
  const trpc = useTRPC();
  const user = useSessionUser();
  const q = useQuery(trpc.invocations.compare.queryOptions({ slug, alias, from, to }, { refetchInterval: refreshMs, placeholderData: (prev) => prev }));
  return (
    <section className="card" aria-label={`Comparison for ${alias}`} data-testid="alias-comparison" data-alias={alias}>
      <div className="card-header">
        <div>
          <h3 className="card-title">
            <AliasBadge name={alias} /> canary and shadow
          </h3>
          <p className="card-subtitle">{q.data ? describeSplit(q.data) : "Per version over the range"}</p>
        </div>
        {q.data?.canary && canEdit(user) ? <PromoteCanaryButton slug={slug} alias={alias} from={q.data.version} to={q.data.canary.version} /> : null}
      </div>
      {q.isPending ? (
        <LoadingBlock />
      ) : q.isError ? (
        <div className="card-body">
          <Alert tone="error">{errorInfo(q.error).message}</Alert>
        </div>
      ) : (
        <ComparisonBody data={q.data} />
      )}
    </section>
  );
}

function describeSplit(c: TComparison): string {
  const parts = [`v${c.version}`];
  if (c.canary) parts[0] = `v${c.version} ${100 - c.canary.weight} % · canary v${c.canary.version} ${c.canary.weight} % (${c.canary.sticky ? "sticky per caller" : "random"})`;
  if (c.shadow !== null) parts.push(`shadow v${c.shadow}`);
  return parts.join(" · ");
}

function roleOf(c: TComparison, v: TComparison["versions"][number]): string {
  if (v.role === "shadow") return "shadow";
  if (v.version === c.version) return "primary";
  if (c.canary?.version === v.version) return "canary";
  return "earlier";
}

function ComparisonBody({ data }: { data: TComparison }) {
  const a = data.agreement;
  const rate = a.compared > 0 ? (100 * a.agree) / a.compared : null;
  return (
    <>
      {data.versions.length === 0 ? (
        <p className="card-body muted small">No calls to this alias in the range.</p>
      ) : (
        <div className="table-wrap">
          <table className="table table-compact" data-testid="comparison-table">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Role</th>
                <th scope="col" className="num">
                  Requests
                </th>
                <th scope="col" className="num">
                  Error rate
                </th>
                <th scope="col" className="num">
                  p50
                </th>
                <th scope="col" className="num">
                  p95
                </th>
              </tr>
            </thead>
            <tbody>
              {data.versions.map((v) => (
                <tr key={`${v.version}-${v.role}`} data-testid="comparison-row" data-version={v.version} data-role={roleOf(data, v)}>
                  <td>
                    <span className="version-tag">v{v.version}</span>
                  </td>
                  <td>{roleOf(data, v)}</td>
                  <td className="num" data-testid="comparison-count">
                    {formatCount(v.count)}
                  </td>
                  <td className="num">{formatPercent(v.count > 0 ? (100 * v.errors) / v.count : null)}</td>
                  <td className="num nowrap">{formatDuration(v.p50Ms)}</td>
                  <td className="num nowrap">{formatDuration(v.p95Ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.shadow !== null || a.pairs > 0 ? (
        <div className="card-body card-body-top" data-testid="shadow-agreement">
          <p>
            <strong data-testid="agreement-rate">{rate === null ? "—" : formatPercent(rate)}</strong> of shadow copies agree with the answer{" "}
            <span className="muted small">
              ({formatCount(a.agree)} of {formatCount(a.compared)} compared; {formatCount(a.disagree)} differ
              {a.shadowOnlyFailed ? `, ${formatCount(a.shadowOnlyFailed)} failed only in the shadow` : ""}
              {a.primaryOnlyFailed ? `, ${formatCount(a.primaryOnlyFailed)} failed only in the answer` : ""}
              {a.bothFailed ? `, ${formatCount(a.bothFailed)} failed in both` : ""}
              {a.notComparable ? `, ${formatCount(a.notComparable)} not stored whole` : ""})
            </span>
          </p>
          <p className="muted small">Agreement: equal strings and integers, floats within 1e-4 relative, the same top-1 for score vectors and ranked labels.</p>
        </div>
      ) : null}
    </>
  );
}
