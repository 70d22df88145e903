"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { AliasBadge } from "@/components/ui/badge";
import { errorInfo } from "@/components/ui/errors";
import { shortHash } from "@/components/ui/format";
import { Modal } from "@/components/ui/modal";
import { EmptyState, LoadingBlock } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { prettyGraph } from "./graph-json";

export function VersionsPanel({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.versions.list.queryOptions({ slug }));
  const [viewing, setViewing] = useState<number | null>(null);

  return (
    <section className="card" aria-labelledby="versions-title" data-testid="versions-panel">
      <div className="card-header">
        <div>
          <h2 className="card-title" id="versions-title">
            Versions
          </h2>
          <p className="card-subtitle">Immutable snapshots of the draft. Aliases point at them.</p>
        </div>
      </div>
      {versions.isPending ? (
        <LoadingBlock label="Loading versions…" />
      ) : versions.isError ? (
        <div className="card-body">
          <Alert tone="error" title="Could not load versions">
            {errorInfo(versions.error).message}
          </Alert>
        </div>
      ) : versions.data.length === 0 ? (
        <EmptyState title="No versions yet">Commit the draft to create version 1.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Message</th>
                <th scope="col">Author</th>
                <th scope="col">Committed</th>
                <th scope="col">Content hash</th>
                <th scope="col">Aliases</th>
                <th scope="col" className="actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {versions.data.map((v) => (
                <tr key={v.number} data-testid={`version-row-${v.number}`}>
                  <td>
                    <span className="version-tag">v{v.number}</span>
                  </td>
                  <td className="cell-description">{v.message}</td>
                  <td className="muted small">{v.author ?? "—"}</td>
                  <td className="nowrap muted small">
                    <Time value={v.createdAt} />
                  </td>
                  <td>
                    <code className="hash" title={v.contentHash}>
                      {shortHash(v.contentHash)}
                    </code>
                  </td>
                  <td>
                    {v.aliases.length ? (
                      <div className="badge-row">
                        {v.aliases.map((a) => (
                          <AliasBadge key={a} name={a} />
                        ))}
                      </div>
                    ) : (
                      <span className="subtle">—</span>
                    )}
                  </td>
                  <td className="actions">
                    <button type="button" className="btn btn-ghost btn-sm" aria-label={`View version ${v.number}`} onClick={() => setViewing(v.number)}>
                      View
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {viewing !== null ? <VersionDialog slug={slug} number={viewing} onClose={() => setViewing(null)} /> : null}
    </section>
  );
}

function VersionDialog({ slug, number, onClose }: { slug: string; number: number; onClose: () => void }) {
  const trpc = useTRPC();
  const version = useQuery(trpc.versions.get.queryOptions({ slug, number }, { staleTime: Infinity }));
  return (
    <Modal
      title={`Version ${number}`}
      onClose={onClose}
      size="lg"
      testId="version-dialog"
      footer={
        <button type="button" className="btn btn-secondary" onClick={onClose} autoFocus>
          Close
        </button>
      }
    >
      {version.isPending ? (
        <LoadingBlock />
      ) : version.isError ? (
        <Alert tone="error">{errorInfo(version.error).message}</Alert>
      ) : (
        <div className="stack">
          <dl className="meta-list">
            <div>
              <dt>Message</dt>
              <dd>{version.data.message}</dd>
            </div>
            <div>
              <dt>Committed</dt>
              <dd>
                <Time value={version.data.createdAt} />
              </dd>
            </div>
            <div>
              <dt>Content hash</dt>
              <dd>
                <code className="hash">{version.data.contentHash}</code>
              </dd>
            </div>
          </dl>
          <div className="field">
            <label className="field-label" htmlFor={`version-${number}-graph`}>
              Graph JSON (read-only)
            </label>
            <textarea id={`version-${number}-graph`} className="input textarea code-field-input" readOnly rows={18} value={prettyGraph(version.data.graph)} spellCheck={false} />
          </div>
        </div>
      )}
    </Modal>
  );
}
