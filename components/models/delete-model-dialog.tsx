"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/trpc/client";
import { Alert, FormError } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";
import { Modal } from "@/components/ui/modal";
import { plural } from "@/components/ui/format";

interface TUsedBy {
  slug: string;
  version: number;
}

function usedBy(details: Record<string, unknown> | undefined): TUsedBy[] {
  const raw = details?.usedBy;
  return Array.isArray(raw) ? raw.filter((u): u is TUsedBy => typeof u?.slug === "string" && typeof u?.version === "number") : [];
}

/** Deletes a model with all its versions; MODEL_IN_USE lists the pipeline versions that keep it. */
export function DeleteModelDialog({ name, versionCount, onClose, onDeleted }: { name: string; versionCount: number; onClose: () => void; onDeleted?: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const remove = useMutation(
    trpc.models.delete.mutationOptions({
      onSuccess: async () => {
        onDeleted?.();
        onClose();
        await qc.invalidateQueries(trpc.models.list.pathFilter());
      },
    }),
  );
  const info = remove.error ? errorInfo(remove.error) : undefined;
  const users = info?.code === "MODEL_IN_USE" ? usedBy(info.details) : [];

  return (
    <Modal
      title="Delete model"
      size="sm"
      onClose={onClose}
      testId="delete-model-dialog"
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose} autoFocus>
            {info?.code === "MODEL_IN_USE" ? "Close" : "Cancel"}
          </button>
          {info?.code === "MODEL_IN_USE" ? null : (
            <button type="button" className="btn btn-danger" disabled={remove.isPending} onClick={() => remove.mutate({ name })} data-testid="confirm-delete-model">
              {remove.isPending ? "Deleting…" : "Delete model"}
            </button>
          )}
        </>
      }
    >
      <div className="stack-tight">
        <p className="confirm-question">
          Delete <span className="mono">{name}</span> and its {plural(versionCount, "version")}?
        </p>
        <p className="muted">The stored files are freed unless another model shares them. Pipeline drafts that use it will report a missing model.</p>
        {info?.code === "MODEL_IN_USE" ? (
          <div className="stack-tight">
            <Alert tone="error" title="This model is in use" testId="model-in-use">
              <p>{info.message}</p>
              <p>Committed versions never change, so the model stays while one refers to it.</p>
            </Alert>
            {users.length ? (
              <ul className="used-by-list">
                {users.map((u) => (
                  <li key={`${u.slug}@${u.version}`}>
                    <Link href={`/pipelines/${u.slug}`} className="mono">
                      {u.slug}
                    </Link>{" "}
                    <span className="version-tag">v{u.version}</span>
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : (
          <FormError message={info?.message} />
        )}
      </div>
    </Modal>
  );
}
