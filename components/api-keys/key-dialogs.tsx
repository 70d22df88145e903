"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { FormError } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";
import { Modal } from "@/components/ui/modal";
import type { TApiKeyRow } from "./api-keys-page";
import { maskedKey } from "./key-status";
import type { TNewKey } from "./new-key-dialog";

export function RevokeKeyDialog({ apiKey, onClose }: { apiKey: TApiKeyRow; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries(trpc.apiKeys.list.queryFilter());
        onClose();
      },
    }),
  );
  return (
    <Modal
      title="Revoke API key"
      size="sm"
      onClose={onClose}
      testId="revoke-key-dialog"
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose} autoFocus>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" disabled={revoke.isPending} onClick={() => revoke.mutate({ id: apiKey.id })} data-testid="confirm-revoke">
            {revoke.isPending ? "Revoking…" : "Revoke key"}
          </button>
        </>
      }
    >
      <p className="confirm-question">
        Revoke “{apiKey.name}” <span className="mono muted">{maskedKey(apiKey.prefix)}</span>?
      </p>
      <p className="muted">Every call with this key is refused (401) from now on. This cannot be undone; a revoked key cannot be rotated.</p>
      <FormError message={revoke.error ? errorInfo(revoke.error).message : undefined} />
    </Modal>
  );
}

const OVERLAPS = [
  { minutes: 0, label: "No overlap", help: "The old key stops working now." },
  { minutes: 15, label: "15 minutes", help: "Enough to redeploy one service." },
  { minutes: 60, label: "1 hour", help: "" },
  { minutes: 24 * 60, label: "24 hours", help: "For clients you don't control directly." },
] as const;

export function RotateKeyDialog({ apiKey, onClose, onRotated }: { apiKey: TApiKeyRow; onClose: () => void; onRotated: (k: TNewKey) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [overlap, setOverlap] = useState<number>(60);
  const group = useId();
  const rotate = useMutation(
    trpc.apiKeys.rotate.mutationOptions({
      onSuccess: async (k) => {
        await qc.invalidateQueries(trpc.apiKeys.list.queryFilter());
        onRotated({
          key: k.key,
          name: k.name,
          prefix: k.prefix,
          pipelines: k.pipelines,
          expiresAt: k.expiresAt,
          rotated: true,
          previous: { prefix: apiKey.prefix, expiresAt: k.previousExpiresAt },
        });
      },
    }),
  );
  return (
    <Modal
      title="Rotate API key"
      onClose={onClose}
      testId="rotate-key-dialog"
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={rotate.isPending} onClick={() => rotate.mutate({ id: apiKey.id, overlapMinutes: overlap })} data-testid="confirm-rotate">
            {rotate.isPending ? "Rotating…" : "Rotate key"}
          </button>
        </>
      }
    >
      <div className="form-stack">
        <p>
          A new key replaces “{apiKey.name}” <span className="mono muted">{maskedKey(apiKey.prefix)}</span> with the same scope and rate limit. How long should the old key keep working?
        </p>
        <fieldset className="choice-fieldset">
          <legend className="field-label">Overlap</legend>
          <div className="overlap-choices">
            {OVERLAPS.map((o) => (
              <label key={o.minutes} className={`overlap-choice${overlap === o.minutes ? " overlap-choice-active" : ""}`}>
                <input type="radio" name={`${group}-overlap`} checked={overlap === o.minutes} onChange={() => setOverlap(o.minutes)} />
                <span className="overlap-choice-label">{o.label}</span>
                {o.help ? <span className="overlap-choice-help">{o.help}</span> : null}
              </label>
            ))}
          </div>
        </fieldset>
        {apiKey.expiresAt ? <p className="muted small">The old key never outlives its own expiry.</p> : null}
        <FormError message={rotate.error ? errorInfo(rotate.error).message : undefined} />
      </div>
    </Modal>
  );
}
