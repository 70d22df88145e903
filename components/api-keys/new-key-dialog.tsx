"use client";

import Link from "next/link";
import { useState } from "react";
import { CopyButton } from "@/components/api-docs/copy-button";
import { Alert } from "@/components/ui/alert";
import { formatDateTime } from "@/components/ui/format";
import { Modal } from "@/components/ui/modal";
import { maskedKey } from "./key-status";

/** A key as create/rotate return it: the only moment the full secret exists outside the client's hands. */
export interface TNewKey {
  key: string;
  name: string;
  prefix: string;
  pipelines: string[];
  expiresAt: string | Date | null;
  rotated: boolean;
  /** Rotation: the old key's prefix and when it stops working. */
  previous?: { prefix: string; expiresAt: string | Date };
}

/**
 * Shows a new key once. Closing before copying asks first: the key cannot be shown again. The key lives
 * only in this component's props; it is never written to storage or the URL.
 */
export function NewKeyDialog({ created, onClose }: { created: TNewKey; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const requestClose = () => (copied ? onClose() : setConfirming(true));

  return (
    <Modal
      title={created.rotated ? "Copy the rotated key" : "Copy your new API key"}
      onClose={requestClose}
      testId="new-key-dialog"
      footer={
        confirming ? (
          <>
            <span className="footer-note">Close without copying the key?</span>
            <button type="button" className="btn btn-secondary" onClick={() => setConfirming(false)}>
              Go back
            </button>
            <button type="button" className="btn btn-danger" onClick={onClose}>
              Close anyway
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-primary" onClick={requestClose}>
            {copied ? "Done" : "I've stored it, close"}
          </button>
        )
      }
    >
      <div className="form-stack">
        <Alert tone="warning" title="You won't see this key again">
          Store it now, in your secret manager or the calling service&apos;s environment. Inferline keeps only a hash; if the key is lost, rotate it or create a new one.
        </Alert>
        <div className="field">
          <label className="field-label" htmlFor="new-api-key">
            {created.name}
          </label>
          <div className="key-reveal">
            <textarea
              id="new-api-key"
              className="input key-reveal-input"
              readOnly
              rows={2}
              value={created.key}
              spellCheck={false}
              autoComplete="off"
              data-testid="new-api-key"
              onFocus={(e) => e.currentTarget.select()}
              autoFocus
            />
            <CopyButton text={created.key} label="Copy key" className="btn btn-primary" testId="copy-new-key" onCopied={() => setCopied(true)} />
          </div>
          <p className="field-hint">
            Send it as <code>Authorization: Bearer {maskedKey(created.prefix)}</code> or <code>X-API-Key</code>.{" "}
            {created.pipelines.length ? `Scope: ${created.pipelines.join(", ")}.` : "Scope: all pipelines."}{" "}
            {created.expiresAt ? `Expires ${formatDateTime(created.expiresAt)}.` : "Never expires."}
          </p>
        </div>
        {created.previous ? (
          <p className="note note-info" data-testid="rotation-overlap">
            The old key {maskedKey(created.previous.prefix)} keeps working until {formatDateTime(created.previous.expiresAt)}. Switch your clients to the new key before then.
          </p>
        ) : null}
        <p className="muted small">
          Each pipeline&apos;s <Link href="/docs">API docs</Link> page has curl, JavaScript and Python snippets for this key.
        </p>
      </div>
    </Modal>
  );
}
