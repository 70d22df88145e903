"use client";

import type { ReactNode } from "react";
import { Alert, FormError } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";

/**
 * The end of a pipeline settings form (log policy, response cache): the server's error, a "Saved" note, and
 * the save button — or, for viewers, that changing it needs the editor role. Test ids: `<testId>-error`, `-save`.
 */
export function SettingsFormFooter({ testId, error, saved, pending, editable, label }: { testId: string; error: unknown; saved: ReactNode | null; pending: boolean; editable: boolean; label: string }) {
  return (
    <>
      <FormError message={error ? errorInfo(error).message : undefined} testId={`${testId}-error`} />
      {saved ? (
        <Alert tone="success" title="Saved">
          {saved}
        </Alert>
      ) : null}
      {editable ? (
        <div className="button-row">
          <button type="submit" className="btn btn-primary btn-sm" disabled={pending} data-testid={`${testId}-save`}>
            {pending ? "Saving…" : label}
          </button>
        </div>
      ) : (
        <p className="muted small">Changing it needs the editor role.</p>
      )}
    </>
  );
}
