"use client";

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC, type TRouterOutputs } from "@/components/trpc/client";
import { SelectField, TextAreaField, TextField } from "@/components/ui/field";
import { useInvalidatePipelines } from "../use-invalidate";
import { SettingsFormFooter } from "./settings-form-footer";

type TPolicy = TRouterOutputs["pipelines"]["get"]["logPolicy"];
type TMode = TPolicy["payload"];

const MODES: [TMode, string][] = [
  ["full", "Full payloads"],
  ["truncated", "Truncated to a size"],
  ["metadata", "Metadata only (no values)"],
];

/** Mirrors the server's check (server/api/routers/pipelines/schema.ts): a field name or a dotted path. */
const PATH = /^[^.\s]+(\.[^.\s]+)*$/;

/**
 * What the invocation log keeps of this pipeline's calls: full payloads, payloads cut to N KiB, or only
 * names, types and sizes; plus fields always stored as "[redacted]". Applies from the next call on.
 */
export function LogPolicyPanel({ slug, policy, editable }: { slug: string; policy: TPolicy; editable: boolean }) {
  const trpc = useTRPC();
  const invalidate = useInvalidatePipelines();
  const [mode, setMode] = useState<TMode>(policy.payload);
  const [kb, setKb] = useState(String(policy.truncateKb));
  const [redact, setRedact] = useState(policy.redact.join("\n"));
  const [errors, setErrors] = useState<{ kb?: string; redact?: string }>({});
  const [done, setDone] = useState(false);
  const save = useMutation(
    trpc.pipelines.setLogPolicy.mutationOptions({
      onSuccess: async () => {
        setDone(true);
        await invalidate();
      },
    }),
  );

  const fields = redact
    .split(/[\n,]/)
    .map((f) => f.trim())
    .filter(Boolean);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    save.reset();
    const next: typeof errors = {};
    const n = Number(kb);
    if (mode === "truncated" && (!Number.isInteger(n) || n < 1 || n > 65_536)) next.kb = "A whole number of KiB, 1 to 65536.";
    const bad = fields.find((f) => !PATH.test(f));
    if (bad) next.redact = `"${bad}" is not a field name or a dotted path (e.g. patient.name).`;
    else if (fields.length > 100) next.redact = "At most 100 fields.";
    setErrors(next);
    if (Object.keys(next).length) return;
    save.mutate({ slug, payload: mode, ...(mode === "truncated" ? { truncateKb: n } : {}), redact: fields });
  }

  return (
    <section className="card" aria-labelledby="log-policy-title" data-testid="log-policy-panel">
      <div className="card-header">
        <div>
          <h2 className="card-title" id="log-policy-title">
            Invocation log
          </h2>
          <p className="card-subtitle">What the log keeps of each call&apos;s inputs and outputs, from the next call on.</p>
        </div>
      </div>
      <form className="card-body card-body-top stack" onSubmit={onSubmit} noValidate data-testid="log-policy-form">
        <SelectField label="Payloads" value={mode} disabled={!editable} onChange={(e) => setMode(e.target.value as TMode)} data-testid="log-policy-mode">
          {MODES.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </SelectField>
        {mode === "truncated" ? (
          <TextField
            label="Keep at most (KiB, inputs and outputs each)"
            inputMode="numeric"
            value={kb}
            disabled={!editable}
            error={errors.kb}
            onChange={(e) => setKb(e.target.value)}
            data-testid="log-policy-kb"
          />
        ) : null}
        <TextAreaField
          label="Redacted fields"
          hint='One per line: an input or output name, or a dotted path such as patient.name. Stored as "[redacted]", whatever the mode.'
          rows={3}
          value={redact}
          disabled={!editable}
          error={errors.redact}
          onChange={(e) => setRedact(e.target.value)}
          data-testid="log-policy-redact"
        />
        <p className="muted small">Uploaded files are never stored: only their SHA-256, size, type and, for images, a small thumbnail.</p>
        <SettingsFormFooter testId="log-policy" error={save.error} saved={done ? "The next calls are logged this way." : null} pending={save.isPending} editable={editable} label="Save log policy" />
      </form>
    </section>
  );
}
