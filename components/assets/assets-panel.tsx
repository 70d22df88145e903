"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { formatBytes } from "@/components/models/model-format";
import { useTRPC } from "@/components/trpc/client";
import { Alert, FormError } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";
import { plural, shortHash } from "@/components/ui/format";
import { Modal } from "@/components/ui/modal";
import { EmptyState, LoadingBlock } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { UploadProgress } from "@/components/ui/upload-progress";
import { useAssetUpload, type TAsset, type TAssetUploadState } from "./use-asset-upload";

/**
 * The pipeline's Assets tab: the files its nodes use (vocab.txt, tokenizer.json, label and character lists), with
 * upload, replace (another file under the same name) and delete. Nodes refer to a file by name and hash, so a
 * replaced file reaches a node once it is pointed at it (the node's picker offers that); committed versions keep
 * theirs, and a name still in use cannot be deleted (the server says by what).
 */
export function AssetsPanel({ slug, editable }: { slug: string; editable: boolean }) {
  const trpc = useTRPC();
  // Fresh on every visit: "used by" follows the draft, which the editor saved just before this tab opened.
  const list = useQuery({ ...trpc.assets.list.queryOptions({ slug }), staleTime: 0 });
  const upload = useAssetUpload(slug);
  const [deleting, setDeleting] = useState<string | null>(null);

  return (
    <section className="card" aria-labelledby="assets-title" data-testid="assets-panel">
      <div className="card-header">
        <div>
          <h2 className="card-title" id="assets-title">
            Assets
          </h2>
          <p className="card-subtitle">
            Files the nodes use: a tokenizer&apos;s vocab.txt or tokenizer.json, label and character lists (up to 16 MiB each). Pick one in a node&apos;s inspector. Replacing a file keeps the earlier one
            for the nodes and versions that use it; point a node at the new file in its inspector.
          </p>
        </div>
      </div>
      <div className="card-body stack">
        {editable ? <NewAsset upload={upload} /> : null}
        {list.isPending ? (
          <LoadingBlock label="Loading assets…" />
        ) : list.isError ? (
          <Alert tone="error" title="Could not load the assets">
            {errorInfo(list.error).message}
          </Alert>
        ) : list.data.length === 0 ? (
          <EmptyState title="No assets yet">{editable ? "Upload a file above; nodes such as Tokenize and CTC decode then offer it in their inspector." : "An editor can upload files here."}</EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="table" data-testid="asset-list">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Size</th>
                  <th scope="col">SHA-256</th>
                  <th scope="col">Uploaded</th>
                  <th scope="col">Used by</th>
                  {editable ? (
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {list.data.map((a) => (
                  <AssetRow key={a.name} asset={a} editable={editable} upload={upload} onDelete={() => setDeleting(a.name)} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {deleting ? <DeleteAssetDialog slug={slug} name={deleting} onClose={() => setDeleting(null)} /> : null}
    </section>
  );
}

function NewAsset({ upload }: { upload: TAssetUploadState }) {
  const fileId = useId();
  const { uploading, error, done } = upload;
  return (
    <div className="stack">
      <div className="field">
        <label className="field-label" htmlFor={fileId}>
          Upload a file
        </label>
        <div className="button-row">
          <input
            id={fileId}
            type="file"
            data-testid="asset-upload"
            disabled={uploading !== null}
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = ""; // choosing the same file again uploads it again
              if (f) upload.start(f);
            }}
          />
          {uploading ? (
            <button type="button" className="btn btn-ghost btn-sm" onClick={upload.cancel}>
              Cancel upload
            </button>
          ) : null}
        </div>
        <p className="field-hint">Stored under the file&apos;s name (letters, digits, &apos;.&apos;, &apos;_&apos; and &apos;-&apos;; other characters become &apos;-&apos;). A file under a name that exists replaces it.</p>
      </div>
      {uploading ? (
        <div className="stack-tight" data-testid="asset-uploading">
          <p className="small">Uploading {uploading.name}…</p>
          <UploadProgress progress={uploading.progress} sentText="Storing…" />
        </div>
      ) : null}
      <FormError message={error ?? undefined} testId="asset-upload-error" />
      {done ? (
        <p className="note note-success" role="status" data-testid="asset-upload-done">
          {done.created ? `Uploaded ${done.name} (${formatBytes(done.sizeBytes)}, sha256 ${shortHash(done.sha256)}).` : `${done.name} already holds these bytes: nothing changed.`}
        </p>
      ) : null}
    </div>
  );
}

function AssetRow({ asset: a, editable, upload, onDelete }: { asset: TAsset; editable: boolean; upload: TAssetUploadState; onDelete: () => void }) {
  const earlier = a.usedBy.draft.filter((u) => u.sha256 !== a.sha256);
  return (
    <tr data-testid="asset-row" data-name={a.name} data-sha256={a.sha256}>
      <td>
        <code>{a.name}</code>
        <div className="muted small">{a.mediaType}</div>
      </td>
      <td>{formatBytes(a.sizeBytes)}</td>
      <td>
        <code title={a.sha256}>{shortHash(a.sha256)}</code>
        {a.history.length ? (
          <details className="small">
            <summary>{plural(a.history.length, "earlier file")}</summary>
            <ul className="used-by-list">
              {a.history.map((h) => (
                <li key={h.sha256}>
                  <code title={h.sha256}>{shortHash(h.sha256)}</code> · {formatBytes(h.sizeBytes)} · <Time value={h.createdAt} />
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </td>
      <td>
        <Time value={a.createdAt} />
      </td>
      <td className="small" data-testid="asset-used-by">
        {a.usedBy.draft.length === 0 && a.usedBy.versions.length === 0 ? <span className="muted">Unused</span> : null}
        {a.usedBy.draft.length ? <div>Draft: {[...new Set(a.usedBy.draft.map((u) => u.node))].join(", ")}</div> : null}
        {earlier.length ? <div className="muted">{[...new Set(earlier.map((u) => u.node))].join(", ")} still on an earlier file</div> : null}
        {a.usedBy.versions.length ? <div>{a.usedBy.versions.length === 1 ? `Version ${a.usedBy.versions[0]}` : `Versions ${a.usedBy.versions.join(", ")}`}</div> : null}
      </td>
      {editable ? (
        <td>
          <div className="button-row">
            <label className="btn btn-secondary btn-sm file-button">
              Replace
              <input
                type="file"
                className="sr-only"
                data-testid="asset-replace"
                aria-label={`Replace ${a.name}`}
                disabled={upload.uploading !== null}
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  e.target.value = "";
                  if (f) upload.start(f, a.name);
                }}
              />
            </label>
            <button type="button" className="btn btn-ghost btn-sm" onClick={onDelete} data-testid="asset-delete" aria-label={`Delete ${a.name}`}>
              Delete
            </button>
          </div>
        </td>
      ) : null}
    </tr>
  );
}

function DeleteAssetDialog({ slug, name, onClose }: { slug: string; name: string; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const remove = useMutation(
    trpc.assets.delete.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries(trpc.assets.list.queryFilter({ slug }));
        onClose();
      },
    }),
  );
  return (
    <Modal
      title={`Delete ${name}?`}
      onClose={onClose}
      size="sm"
      testId="asset-delete-dialog"
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={onClose} autoFocus>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" disabled={remove.isPending} onClick={() => remove.mutate({ slug, name })} data-testid="asset-delete-confirm">
            Delete
          </button>
        </>
      }
    >
      <p>Every file stored under this name leaves the pipeline&apos;s assets. This is refused while the draft or a committed version uses the name.</p>
      {remove.isError ? (
        <Alert tone="error" title={errorInfo(remove.error).code === "ASSET_IN_USE" ? "The asset is in use" : "Could not delete the asset"} testId="asset-delete-error">
          {errorInfo(remove.error).message}
        </Alert>
      ) : null}
    </Modal>
  );
}
