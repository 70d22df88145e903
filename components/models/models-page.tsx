"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useState } from "react";
import { canEdit, useSessionUser } from "@/components/layout/session";
import { useTRPC } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";
import { EmptyState, LoadingBlock, Spinner } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { DeleteModelDialog } from "./delete-model-dialog";
import { formatBytes, TensorList, type TModelListItem } from "./model-format";
import { UploadModelDialog } from "./upload-model-dialog";

export function ModelsPage() {
  const trpc = useTRPC();
  const user = useSessionUser();
  const editable = canEdit(user);
  const [search, setSearch] = useState("");
  const [uploading, setUploading] = useState(false);
  const [deleting, setDeleting] = useState<TModelListItem | null>(null);
  const [installed, setInstalled] = useState<string[] | null>(null);
  const query = useDeferredValue(search.trim());
  const list = useQuery(trpc.models.list.queryOptions({ search: query || undefined }, { placeholderData: keepPreviousData }));

  return (
    <div className="stack-lg">
      <div className="page-header">
        <div>
          <h1 className="page-title">Models</h1>
          <p className="page-subtitle">ONNX models pipelines can run. Each upload is an immutable version, checked by ONNX Runtime before it is stored.</p>
        </div>
        {editable ? (
          <button type="button" className="btn btn-primary" onClick={() => setUploading(true)}>
            <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
              <path d="M8 11V3M4.5 6.5L8 3l3.5 3.5M3 13h10" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
            Upload model
          </button>
        ) : null}
      </div>

      {installed ? (
        <Alert
          tone="success"
          title={installed.length ? "Example models and pipelines installed" : "The examples were already installed"}
          testId="examples-installed"
          actions={
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => setInstalled(null)}>
              Dismiss
            </button>
          }
        >
          <p>
            {installed.length ? "Published as production v1, with saved samples: " : "See "}
            {(installed.length ? installed : ["iris-classifier", "penguins-ensemble"]).map((slug, i) => (
              <span key={slug}>
                {i > 0 ? ", " : ""}
                <Link href={`/docs/${slug}`}>{slug} API</Link>
              </span>
            ))}
            .
          </p>
        </Alert>
      ) : null}

      <section className="card" aria-label="Model registry">
        <div className="toolbar">
          <div className="search">
            <svg className="search-icon" viewBox="0 0 16 16" width="15" height="15" aria-hidden="true">
              <circle cx="7" cy="7" r="4.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
              <path d="M10.5 10.5L14 14" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
            </svg>
            <label htmlFor="model-search" className="sr-only">
              Search models
            </label>
            <input id="model-search" type="search" className="input search-input" placeholder="Search by name or description" value={search} onChange={(e) => setSearch(e.target.value)} />
          </div>
          <div className="toolbar-spacer" />
          {list.isFetching && !list.isPending ? <Spinner label="Updating…" /> : null}
          {list.data ? <span className="muted small">{list.data.length === 1 ? "1 model" : `${list.data.length} models`}</span> : null}
        </div>
        {list.isPending ? (
          <LoadingBlock label="Loading models…" />
        ) : list.isError ? (
          <div className="card-body">
            <Alert tone="error" title="Could not load models">
              {errorInfo(list.error).message}
            </Alert>
          </div>
        ) : list.data.length === 0 ? (
          query ? (
            <EmptyState title="No models match">Try another search.</EmptyState>
          ) : (
            <EmptyRegistry editable={editable} onUpload={() => setUploading(true)} onInstalled={setInstalled} />
          )
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="models-table">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">
                    Versions
                  </th>
                  <th scope="col">Latest</th>
                  <th scope="col">Inputs</th>
                  <th scope="col">Outputs</th>
                  <th scope="col" className="num">
                    Labels
                  </th>
                  {editable ? (
                    <th scope="col" className="actions">
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {list.data.map((m) => (
                  <tr key={m.name} data-testid={`model-row-${m.name}`}>
                    <td>
                      <div className="cell-title">
                        <Link href={`/models/${encodeURIComponent(m.name)}`} className="row-link mono">
                          {m.name}
                        </Link>
                      </div>
                      {m.description ? <div className="muted small clamp-2 cell-description">{m.description}</div> : null}
                    </td>
                    <td className="num">{m.versionCount}</td>
                    <td className="nowrap">
                      {m.latest ? (
                        <>
                          <span className="version-tag">v{m.latest.number}</span> <span className="small">{formatBytes(m.latest.sizeBytes)}</span>
                          <div className="subtle small">
                            <Time value={m.latest.createdAt} />
                          </div>
                        </>
                      ) : (
                        <span className="subtle">—</span>
                      )}
                    </td>
                    <td>{m.latest ? <TensorList tensors={m.latest.metadata.inputs} /> : null}</td>
                    <td>{m.latest ? <TensorList tensors={m.latest.metadata.outputs} /> : null}</td>
                    <td className="num">{m.latest?.labels ? m.latest.labels.length : <span className="subtle">—</span>}</td>
                    {editable ? (
                      <td className="actions">
                        <button type="button" className="btn btn-ghost btn-sm btn-ghost-danger" aria-label={`Delete ${m.name}`} onClick={() => setDeleting(m)}>
                          Delete
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {uploading ? <UploadModelDialog onClose={() => setUploading(false)} /> : null}
      {deleting ? <DeleteModelDialog name={deleting.name} versionCount={deleting.versionCount} onClose={() => setDeleting(null)} /> : null}
    </div>
  );
}

/** First visit: offer the shipped example models and pipelines, so serving can be tried in one click. */
function EmptyRegistry({ editable, onUpload, onInstalled }: { editable: boolean; onUpload: () => void; onInstalled: (slugs: string[]) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const install = useMutation(
    trpc.examples.install.mutationOptions({
      onSuccess: async (r) => {
        onInstalled(r.installed);
        await Promise.all([qc.invalidateQueries(trpc.models.pathFilter()), qc.invalidateQueries(trpc.pipelines.pathFilter())]);
      },
    }),
  );
  return (
    <EmptyState
      title="No models yet"
      action={
        editable ? (
          <div className="install-actions">
            <div className="button-row">
              <button type="button" className="btn btn-primary" disabled={install.isPending} onClick={() => install.mutate()} data-testid="install-examples">
                {install.isPending ? "Installing examples…" : "Install example models and pipelines"}
              </button>
              <button type="button" className="btn btn-secondary" onClick={onUpload} disabled={install.isPending}>
                Upload a model
              </button>
            </div>
            {install.isPending ? <Spinner label="Uploading 3 models, checking the pipelines' samples and publishing them…" /> : null}
            {install.error ? (
              <Alert tone="error" title="The examples could not be installed">
                {errorInfo(install.error).message}
              </Alert>
            ) : null}
          </div>
        ) : undefined
      }
    >
      {editable
        ? "Upload an ONNX model, or install the examples: iris and penguin classifiers, published as pipelines with saved samples, ready to call."
        : "Nobody has uploaded a model yet. Editors and admins can upload one."}
    </EmptyState>
  );
}
