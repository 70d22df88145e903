"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useSessionUser } from "@/components/layout/session";
import { useTRPC, type TRouterOutputs } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { errorInfo } from "@/components/ui/errors";
import { formatFull } from "@/components/ui/format";
import { EmptyState, LoadingBlock } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { CreateApiKeyDialog } from "./create-api-key-dialog";
import { keyStatus, maskedKey, relativeTime, statusLabel, statusTone } from "./key-status";
import { NewKeyDialog, type TNewKey } from "./new-key-dialog";
import { RevokeKeyDialog, RotateKeyDialog } from "./key-dialogs";

export type TApiKeyRow = TRouterOutputs["apiKeys"]["list"][number];

export function ApiKeysPage() {
  const me = useSessionUser();
  if (me.role !== "admin") {
    return (
      <EmptyState title="Admins only">
        Only administrators manage API keys. Ask one for a key to call a published pipeline; the <Link href="/docs">API docs</Link> show how to use it.
      </EmptyState>
    );
  }
  return <ApiKeysAdmin />;
}

function ApiKeysAdmin() {
  const trpc = useTRPC();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [revealed, setRevealed] = useState<TNewKey | null>(null);
  const [revoking, setRevoking] = useState<TApiKeyRow | null>(null);
  const [rotating, setRotating] = useState<TApiKeyRow | null>(null);
  const byId = new Map((keys.data ?? []).map((k) => [k.id, k]));

  return (
    <div className="stack-lg">
      <div className="page-header">
        <div>
          <h1 className="page-title">API keys</h1>
          <p className="page-subtitle">
            Software calls published pipelines with a key, sent as <code className="nowrap">Authorization: Bearer il_…</code> or <code className="nowrap">X-API-Key</code>. Only a hash is
            stored: a key is shown once, when it is created or rotated.
          </p>
        </div>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M8 3v10M3 8h10" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
          </svg>
          Create API key
        </button>
      </div>
      <section className="card" aria-label="API key list">
        {keys.isPending ? (
          <LoadingBlock label="Loading API keys…" />
        ) : keys.isError ? (
          <div className="card-body">
            <Alert tone="error" title="Could not load API keys">
              {errorInfo(keys.error).message}
            </Alert>
          </div>
        ) : keys.data.length === 0 ? (
          <EmptyState
            title="No API keys yet"
            action={
              <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
                Create your first key
              </button>
            }
          >
            A key lets software call published pipelines. Every pipeline&apos;s <Link href="/docs">API docs</Link> page has copy-ready snippets that use it.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="api-keys-table">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="actions">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((k) => {
                  const status = keyStatus(k);
                  const from = k.rotatedFromId ? byId.get(k.rotatedFromId) : undefined;
                  return (
                    <tr key={k.id} className={status === "revoked" || status === "expired" ? "row-muted" : undefined} data-testid={`api-key-row-${k.prefix}`}>
                      <td>
                        <div className="cell-title">{k.name}</div>
                        <div className="mono muted small" title="The key's public prefix; the secret part is never shown again">
                          {maskedKey(k.prefix)}
                        </div>
                        {k.rotatedFromId ? <div className="subtle small">rotated from {from ? maskedKey(from.prefix) : "a deleted key"}</div> : null}
                      </td>
                      <td>
                        {k.pipelines.length === 0 ? (
                          <span className="muted">All pipelines</span>
                        ) : (
                          <div className="badge-row">
                            {k.pipelines.map((s) => (
                              <Badge key={s}>
                                <span className="mono">{s}</span>
                              </Badge>
                            ))}
                          </div>
                        )}
                        {k.rateLimitPerMinute ? <div className="subtle small">{k.rateLimitPerMinute.toLocaleString("en")} requests/min</div> : null}
                      </td>
                      <td className="small nowrap">
                        {k.expiresAt ? (
                          <div title={formatFull(k.expiresAt)}>
                            <Time value={k.expiresAt} />
                            <div className="muted">{relativeTime(k.expiresAt)}</div>
                          </div>
                        ) : (
                          <span className="muted">Never</span>
                        )}
                      </td>
                      <td className="small nowrap">{k.lastUsedAt ? <span title={formatFull(k.lastUsedAt)}>{relativeTime(k.lastUsedAt)}</span> : <span className="subtle">Never used</span>}</td>
                      <td>
                        <Badge tone={statusTone(status)} testId="api-key-status">
                          {statusLabel(status)}
                        </Badge>
                        {k.revokedAt ? (
                          <div className="subtle small nowrap">
                            <Time value={k.revokedAt} />
                          </div>
                        ) : null}
                      </td>
                      <td className="actions">
                        {status !== "revoked" ? (
                          <div className="row-actions">
                            <button type="button" className="btn btn-ghost btn-sm" aria-label={`Rotate ${k.name} (${maskedKey(k.prefix)})`} onClick={() => setRotating(k)}>
                              Rotate
                            </button>
                            <button type="button" className="btn btn-ghost btn-sm btn-ghost-danger" aria-label={`Revoke ${k.name} (${maskedKey(k.prefix)})`} onClick={() => setRevoking(k)}>
                              Revoke
                            </button>
                          </div>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {creating ? (
        <CreateApiKeyDialog
          onClose={() => setCreating(false)}
          onCreated={(k) => {
            setCreating(false);
            setRevealed(k);
          }}
        />
      ) : null}
      {revealed ? <NewKeyDialog created={revealed} onClose={() => setRevealed(null)} /> : null}
      {revoking ? <RevokeKeyDialog apiKey={revoking} onClose={() => setRevoking(null)} /> : null}
      {rotating ? (
        <RotateKeyDialog
          apiKey={rotating}
          onClose={() => setRotating(null)}
          onRotated={(k) => {
            setRotating(null);
            setRevealed(k);
          }}
        />
      ) : null}
    </div>
  );
}
