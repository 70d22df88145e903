"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSessionUser } from "@/components/layout/session";
import { useTRPC } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { AliasBadge } from "@/components/ui/badge";
import { errorInfo } from "@/components/ui/errors";
import { EmptyState, LoadingBlock } from "@/components/ui/states";

/** Every pipeline with a version, linking to its API docs; published ones (with `production`) first. */
export function DocsIndexPage() {
  const trpc = useTRPC();
  const user = useSessionUser();
  const list = useQuery(trpc.pipelines.list.queryOptions({}));
  const callable = (list.data ?? []).filter((p) => p.versionCount > 0);
  const published = (p: (typeof callable)[number]) => p.aliases.some((a) => a.name === "production");
  const sorted = [...callable].sort((a, b) => Number(published(b)) - Number(published(a)) || a.name.localeCompare(b.name));

  return (
    <div className="stack-lg">
      <div className="page-header">
        <div>
          <h1 className="page-title">API docs</h1>
          <p className="page-subtitle">
            Every committed pipeline is an HTTP endpoint. Pick one for its OpenAPI reference, copy-ready snippets and a place to try it.{" "}
            {user.role === "admin" ? (
              <>
                Calls need an <Link href="/api-keys">API key</Link>.
              </>
            ) : (
              "Calls need an API key from an admin."
            )}
          </p>
        </div>
      </div>
      <section className="card" aria-label="Pipeline APIs">
        {list.isPending ? (
          <LoadingBlock label="Loading pipelines…" />
        ) : list.isError ? (
          <div className="card-body">
            <Alert tone="error" title="Could not load pipelines">
              {errorInfo(list.error).message}
            </Alert>
          </div>
        ) : sorted.length === 0 ? (
          <EmptyState title="No pipeline has a version yet" action={<Link href="/models" className="btn btn-secondary">Install the examples from Models</Link>}>
            Commit a version of a pipeline and point <code>production</code> at it to publish it.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="docs-table">
              <thead>
                <tr>
                  <th scope="col">Pipeline</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Aliases</th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((p) => (
                  <tr key={p.slug} data-testid={`docs-row-${p.slug}`}>
                    <td>
                      <Link href={`/docs/${p.slug}`} className="row-link">
                        {p.name}
                      </Link>
                      <div className="muted small clamp-2 cell-description">{p.description}</div>
                    </td>
                    <td>
                      {published(p) ? (
                        <code className="small">POST /api/v1/pipelines/{p.slug}/invoke</code>
                      ) : (
                        <span className="muted small">Not published (no production alias)</span>
                      )}
                    </td>
                    <td>
                      <div className="badge-row">
                        {p.aliases.map((a) => (
                          <AliasBadge key={a.name} name={a.name} version={a.version} />
                        ))}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
