"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSessionUser } from "@/components/layout/session";
import { useTRPC } from "@/components/trpc/client";
import { FormError } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";
import { Modal } from "@/components/ui/modal";
import { useInvalidatePipelines } from "../use-invalidate";

/**
 * One click (and a confirmation) to move an alias onto its canary and clear the split. It goes through the
 * same publish gate as moving the alias: a failing sample refuses it, and only an admin may force it.
 */
export function PromoteCanaryButton({ slug, alias, from, to }: { slug: string; alias: string; from: number; to: number }) {
  const trpc = useTRPC();
  const user = useSessionUser();
  const invalidate = useInvalidatePipelines();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const promote = useMutation(
    trpc.aliases.promote.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        await Promise.all([invalidate(), qc.invalidateQueries(trpc.invocations.compare.pathFilter())]);
      },
    }),
  );
  const error = promote.error ? errorInfo(promote.error) : undefined;
  const close = () => {
    setOpen(false);
    promote.reset();
  };
  return (
    <>
      <button type="button" className="btn btn-sm btn-primary" onClick={() => setOpen(true)} data-testid="promote-canary">
        Promote v{to}
      </button>
      {open ? (
        <Modal
          title="Promote the canary?"
          onClose={close}
          size="sm"
          testId="promote-confirm"
          footer={
            <>
              <button type="button" className="btn btn-ghost" onClick={close}>
                Cancel
              </button>
              <button type="button" className="btn btn-primary" autoFocus disabled={promote.isPending} data-testid="confirm-promote" onClick={() => promote.mutate({ slug, alias })}>
                {promote.isPending ? "Promoting…" : `Move ${alias} to v${to}`}
              </button>
              {error?.code === "PUBLISH_GATE_FAILED" && user.role === "admin" ? (
                <button type="button" className="btn btn-danger" disabled={promote.isPending} onClick={() => promote.mutate({ slug, alias, force: true })}>
                  Promote anyway
                </button>
              ) : null}
            </>
          }
        >
          <p className="confirm-question">
            Move {alias} from v{from} to v{to} and end the split?
          </p>
          <p className="muted small">
            Every call to <code>{`${slug}@${alias}`}</code> is then served by v{to}.{alias === "production" ? " The pipeline's samples run on it first (the publish gate)." : ""} The change is recorded in the activity log.
          </p>
          <FormError message={error?.message} />
        </Modal>
      ) : null}
    </>
  );
}
