"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/trpc/client";
import { FormError } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";
import { SelectField, TextField } from "@/components/ui/field";
import { Modal } from "@/components/ui/modal";
import { useInvalidatePipelines } from "../use-invalidate";

export interface TAliasSplit {
  name: string;
  version: number;
  canary: { version: number; weight: number; sticky: boolean } | null;
  shadow: number | null;
}

/**
 * Sets an alias's canary (a second version answering a share of the calls) and shadow (a version that
 * receives a copy of each call, never returned). The server checks the same rules (weights 1–99, other
 * committed versions) and its message is shown as it is.
 */
export function AliasSplitDialog({ slug, alias, versions, onClose }: { slug: string; alias: TAliasSplit; versions: { number: number; message: string }[]; onClose: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidatePipelines();
  const qc = useQueryClient();
  const others = versions.filter((v) => v.number !== alias.version);
  const [canary, setCanary] = useState<string>(alias.canary ? String(alias.canary.version) : "");
  const [weight, setWeight] = useState<string>(String(alias.canary?.weight ?? 10));
  const [mode, setMode] = useState<"sticky" | "random">(alias.canary?.sticky === false ? "random" : "sticky");
  const [shadow, setShadow] = useState<string>(alias.shadow !== null ? String(alias.shadow) : "");
  const [weightError, setWeightError] = useState<string | null>(null);
  const split = useMutation(
    trpc.aliases.split.mutationOptions({
      onSuccess: async () => {
        await Promise.all([invalidate(), qc.invalidateQueries(trpc.invocations.compare.pathFilter())]);
        onClose();
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const w = Number(weight);
    if (canary && (!Number.isInteger(w) || w < 1 || w > 99)) {
      setWeightError("A whole percentage from 1 to 99.");
      return;
    }
    setWeightError(null);
    split.mutate({ slug, alias: alias.name, canary: canary ? { version: Number(canary), weight: w, sticky: mode === "sticky" } : null, shadow: shadow ? Number(shadow) : null });
  }

  const label = (v: { number: number; message: string }) => `v${v.number} · ${v.message.length > 28 ? `${v.message.slice(0, 28)}…` : v.message}`;
  return (
    <Modal
      title={`Canary and shadow for ${alias.name}`}
      onClose={onClose}
      size="sm"
      testId="alias-split-dialog"
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="alias-split-form" className="btn btn-primary" disabled={split.isPending} data-testid="save-split">
            {split.isPending ? "Saving…" : "Save"}
          </button>
        </>
      }
    >
      <form id="alias-split-form" className="stack" onSubmit={onSubmit} noValidate>
        <p className="muted small">
          {alias.name} points at v{alias.version}. A canary answers a share of its calls; a shadow gets a copy of each call, logged and compared on the dashboard, never returned.
        </p>
        <SelectField label="Canary version" value={canary} onChange={(e) => setCanary(e.target.value)} data-testid="split-canary">
          <option value="">None</option>
          {others.map((v) => (
            <option key={v.number} value={v.number}>
              {label(v)}
            </option>
          ))}
        </SelectField>
        {canary ? (
          <div className="alias-form">
            <TextField
              label="Canary share (%)"
              type="number"
              min={1}
              max={99}
              step={1}
              inputMode="numeric"
              value={weight}
              onChange={(e) => {
                setWeight(e.target.value);
                setWeightError(null);
              }}
              error={weightError ?? undefined}
              hint={`v${alias.version} keeps ${Number.isFinite(Number(weight)) ? Math.max(0, 100 - Number(weight)) : "the rest"} %`}
              data-testid="split-weight"
            />
            <SelectField label="Routing" value={mode} onChange={(e) => setMode(e.target.value as "sticky" | "random")} hint={mode === "sticky" ? "By X-Inferline-Route-Key, else the API key" : "Drawn per call"} data-testid="split-mode">
              <option value="sticky">Sticky per caller</option>
              <option value="random">Random per call</option>
            </SelectField>
          </div>
        ) : null}
        <SelectField label="Shadow version" value={shadow} onChange={(e) => setShadow(e.target.value)} data-testid="split-shadow">
          <option value="">None</option>
          {others.map((v) => (
            <option key={v.number} value={v.number}>
              {label(v)}
            </option>
          ))}
        </SelectField>
        <FormError message={split.error ? errorInfo(split.error).message : undefined} testId="split-error" />
      </form>
    </Modal>
  );
}
