"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, useRouter } from "next/navigation";
import { useState } from "react";
import { canEdit, useSessionUser } from "@/components/layout/session";
import { useTRPC } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { errorCode, errorInfo } from "@/components/ui/errors";
import { plural } from "@/components/ui/format";
import { EmptyState, LoadingBlock } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { CopyButton } from "@/components/api-docs/copy-button";
import { DeleteModelDialog } from "./delete-model-dialog";
import { formatBytes, formatShape, type TModelVersion, type TTensor } from "./model-format";
import { UploadModelDialog } from "./upload-model-dialog";

export function ModelDetailPage() {
  const params = useParams<{ name: string }>();
  const name = decodeURIComponent(params.name);
  const trpc = useTRPC();
  const router = useRouter();
  const user = useSessionUser();
  const editable = canEdit(user);
  const model = useQuery(trpc.models.get.queryOptions({ name }));
  const [uploading, setUploading] = useState(false);
  const [deleting, setDeleting] = useState(false);

  if (model.isPending) return <LoadingBlock label="Loading model…" />;
  if (model.isError) {
    if (errorCode(model.error) === "NOT_FOUND") {
      return (
        <EmptyState title="Model not found" action={<Link href="/models" className="btn btn-secondary">Back to models</Link>}>
          There is no model named <code>{name}</code>.
        </EmptyState>
      );
    }
    return (
      <Alert tone="error" title="Could not load the model">
        {errorInfo(model.error).message}
      </Alert>
    );
  }
  const m = model.data;
  return (
    <div className="stack-lg">
      <div>
        <nav className="breadcrumbs" aria-label="Breadcrumb">
          <Link href="/models">Models</Link>
          <span aria-hidden="true">/</span>
          <span aria-current="page">{m.name}</span>
        </nav>
        <div className="page-header">
          <div className="page-header-main">
            <div className="title-row">
              <h1 className="page-title mono-title">{m.name}</h1>
              <span className="badge">{plural(m.versions.length, "version")}</span>
            </div>
            {m.description ? <p className="page-subtitle">{m.description}</p> : null}
            <p className="meta-line">
              Created <Time value={m.createdAt} />. Use it in a pipeline with a <code>model/onnx@v1</code> node naming <code>{m.name}</code> and a version.
            </p>
          </div>
          {editable ? (
            <div className="button-row">
              <button type="button" className="btn btn-secondary" onClick={() => setUploading(true)}>
                Upload new version
              </button>
              <button type="button" className="btn btn-ghost btn-ghost-danger" onClick={() => setDeleting(true)}>
                Delete model
              </button>
            </div>
          ) : null}
        </div>
      </div>
      {m.versions.map((v) => (
        <VersionCard key={v.number} v={v} />
      ))}
      {uploading ? <UploadModelDialog fixedName={m.name} onClose={() => setUploading(false)} /> : null}
      {deleting ? <DeleteModelDialog name={m.name} versionCount={m.versions.length} onClose={() => setDeleting(false)} onDeleted={() => router.replace("/models")} /> : null}
    </div>
  );
}

function VersionCard({ v }: { v: TModelVersion & { createdBy: string | null } }) {
  const md = v.metadata;
  return (
    <section className="card" aria-label={`Version ${v.number}`} data-testid={`model-version-${v.number}`}>
      <div className="card-header">
        <div>
          <h2 className="card-title">
            <span className="version-tag">v{v.number}</span> {formatBytes(v.sizeBytes)}
          </h2>
          <p className="card-subtitle">
            Uploaded <Time value={v.createdAt} />
            {v.createdBy ? ` by ${v.createdBy}` : ""}
          </p>
        </div>
      </div>
      <div className="card-body model-version-grid">
        <dl className="meta-list">
          <div>
            <dt>SHA-256</dt>
            <dd className="hash-row">
              <span className="hash">{v.sha256}</span>
              <CopyButton text={v.sha256} label="Copy" className="btn btn-ghost btn-sm" ariaLabel={`Copy the SHA-256 of v${v.number}`} />
            </dd>
          </div>
          <div>
            <dt>Opset</dt>
            <dd>{md.opset ?? <span className="subtle">—</span>}</dd>
          </div>
          <div>
            <dt>IR version</dt>
            <dd>{md.irVersion ?? <span className="subtle">—</span>}</dd>
          </div>
          <div>
            <dt>Producer</dt>
            <dd>{md.producer ?? <span className="subtle">—</span>}</dd>
          </div>
          <div>
            <dt>Labels</dt>
            <dd>{v.labels ? <Labels labels={v.labels} /> : <span className="subtle">None</span>}</dd>
          </div>
        </dl>
        <div className="stack">
          <TensorTable title="Inputs" tensors={md.inputs} />
          <TensorTable title="Outputs" tensors={md.outputs} />
        </div>
      </div>
    </section>
  );
}

function TensorTable({ title, tensors }: { title: string; tensors: TTensor[] }) {
  return (
    <div className="subtable">
      <table className="table table-compact tensor-table">
        <caption className="subtable-caption">{title}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Shape</th>
          </tr>
        </thead>
        <tbody>
          {tensors.map((t) => (
            <tr key={t.name}>
              <td className="mono">{t.name}</td>
              <td className="mono">{t.dtype}</td>
              <td className="mono">{formatShape(t.shape)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const LABELS_SHOWN = 24;

/** Class names, index-aligned with the scores; long lists (ImageNet) are cut. */
function Labels({ labels }: { labels: string[] }) {
  const [all, setAll] = useState(false);
  const shown = all ? labels : labels.slice(0, LABELS_SHOWN);
  return (
    <div className="model-labels">
      <span className="muted small">{plural(labels.length, "class", "classes")}</span>
      <ol className="model-label-list" start={0}>
        {shown.map((l, i) => (
          <li key={i} title={`index ${i}`}>
            <span className="model-label-index">{i}</span>
            {l}
          </li>
        ))}
      </ol>
      {labels.length > LABELS_SHOWN ? (
        <button type="button" className="btn btn-ghost btn-sm" onClick={() => setAll((a) => !a)}>
          {all ? "Show fewer" : `Show all ${labels.length}`}
        </button>
      ) : null}
    </div>
  );
}
