"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTRPC } from "@/components/trpc/client";
import { FormError } from "@/components/ui/alert";
import { splitErrors } from "@/components/ui/errors";
import { SelectField, TextField } from "@/components/ui/field";
import { Modal } from "@/components/ui/modal";
import { Spinner } from "@/components/ui/states";
import type { TNewKey } from "./new-key-dialog";

const FIELDS = ["name", "pipelines", "expiresAt", "rateLimitPerMinute"] as const;
const DAY = 86_400_000;
const EXPIRY_CHOICES = [
  { value: "never", label: "Never" },
  { value: "7", label: "In 7 days" },
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "365", label: "In 1 year" },
  { value: "date", label: "On a date…" },
] as const;
type TExpiryChoice = (typeof EXPIRY_CHOICES)[number]["value"];

/** Tomorrow as yyyy-mm-dd in local time (the date input's format). */
function tomorrow(): string {
  const d = new Date(Date.now() + DAY);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The expiry the form describes, or an error sentence. A picked date expires at the end of that local day. */
function expiryFrom(choice: TExpiryChoice, date: string): { value: string | null } | { error: string } {
  if (choice === "never") return { value: null };
  if (choice !== "date") return { value: new Date(Date.now() + Number(choice) * DAY).toISOString() };
  if (!date) return { error: "Pick the day the key stops working." };
  const end = new Date(`${date}T23:59:59`);
  if (Number.isNaN(end.getTime())) return { error: "Not a date." };
  if (end.getTime() <= Date.now()) return { error: "Pick a day in the future." };
  return { value: end.toISOString() };
}

export function CreateApiKeyDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (k: TNewKey) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"all" | "some">("all");
  const [picked, setPicked] = useState<string[]>([]);
  const [expiry, setExpiry] = useState<TExpiryChoice>("never");
  const [date, setDate] = useState("");
  const [rate, setRate] = useState("");
  const [minDate] = useState(tomorrow);
  const [local, setLocal] = useState<Partial<Record<(typeof FIELDS)[number], string>>>({});
  const scopeId = useId();
  const pipelines = useQuery({ ...trpc.pipelines.list.queryOptions({}), enabled: scope === "some" });

  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: async (k) => {
        onCreated({ key: k.key, name: k.name, prefix: k.prefix, pipelines: k.pipelines, expiresAt: k.expiresAt, rotated: false });
        await qc.invalidateQueries(trpc.apiKeys.list.queryFilter());
      },
    }),
  );
  const server = splitErrors(create.error, FIELDS);
  const clear = (field: (typeof FIELDS)[number]) =>
    setLocal((cur) => {
      const next = { ...cur };
      delete next[field];
      return next;
    });
  const errors = { ...server.fields, ...local };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const problems: typeof local = {};
    if (!name.trim()) problems.name = "Name the key (who uses it, for what).";
    if (scope === "some" && picked.length === 0) problems.pipelines = "Pick at least one pipeline, or allow all.";
    const exp = expiryFrom(expiry, date);
    if ("error" in exp) problems.expiresAt = exp.error;
    const limit = rate.trim() === "" ? null : Number(rate);
    if (limit !== null && (!Number.isInteger(limit) || limit < 1)) problems.rateLimitPerMinute = "A whole number of requests per minute, at least 1.";
    setLocal(problems);
    if (Object.keys(problems).length > 0 || "error" in exp) return;
    create.mutate({ name: name.trim(), pipelines: scope === "all" ? [] : picked, expiresAt: exp.value, rateLimitPerMinute: limit });
  }

  return (
    <Modal
      title="Create an API key"
      onClose={onClose}
      testId="create-api-key-dialog"
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={`${scopeId}-form`} className="btn btn-primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create key"}
          </button>
        </>
      }
    >
      <form id={`${scopeId}-form`} className="form-stack" onSubmit={onSubmit} noValidate data-testid="create-api-key-form">
        <TextField
          label="Name"
          autoComplete="off"
          placeholder="e.g. checkout-service (prod)"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            clear("name");
          }}
          error={errors.name}
          hint="Who uses it, for what. One key per client makes revoking one painless."
          autoFocus
        />

        <fieldset className="choice-fieldset" aria-describedby={errors.pipelines ? `${scopeId}-error` : undefined}>
          <legend className="field-label">Scope</legend>
          <label className="radio-option">
            <input type="radio" name={`${scopeId}-scope`} checked={scope === "all"} onChange={() => setScope("all")} />
            <span>
              All pipelines <span className="muted small">— including ones created later</span>
            </span>
          </label>
          <label className="radio-option">
            <input type="radio" name={`${scopeId}-scope`} checked={scope === "some"} onChange={() => setScope("some")} />
            <span>Only these pipelines</span>
          </label>
          {scope === "some" ? (
            <div className="pick-list" role="group" aria-label="Pipelines this key may call">
              {pipelines.isPending ? (
                <Spinner label="Loading pipelines…" />
              ) : pipelines.isError ? (
                <span className="inline-error">Could not load pipelines.</span>
              ) : pipelines.data.length === 0 ? (
                <span className="muted small">No pipelines yet.</span>
              ) : (
                pipelines.data.map((p) => (
                  <label key={p.slug} className="checkbox">
                    <input
                      type="checkbox"
                      checked={picked.includes(p.slug)}
                      onChange={(e) => {
                        setPicked((cur) => (e.target.checked ? [...cur, p.slug] : cur.filter((s) => s !== p.slug)));
                        clear("pipelines");
                      }}
                    />
                    <span>
                      {p.name} <span className="mono subtle small">{p.slug}</span>
                    </span>
                  </label>
                ))
              )}
            </div>
          ) : null}
          {errors.pipelines ? (
            <p className="field-error" id={`${scopeId}-error`} role="alert">
              {errors.pipelines}
            </p>
          ) : null}
        </fieldset>

        <div className="form-grid">
          <SelectField
            label="Expires"
            value={expiry}
            onChange={(e) => {
              setExpiry(e.target.value as TExpiryChoice);
              clear("expiresAt");
            }}
            error={expiry === "date" ? undefined : errors.expiresAt}
          >
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Rate limit"
            type="number"
            inputMode="numeric"
            min={1}
            placeholder="No limit"
            value={rate}
            onChange={(e) => {
              setRate(e.target.value);
              clear("rateLimitPerMinute");
            }}
            error={errors.rateLimitPerMinute}
            hint="Requests per minute; more get 429."
          />
          {expiry === "date" ? (
            <TextField
              label="Expiry date"
              type="date"
              value={date}
              min={minDate}
              onChange={(e) => {
                setDate(e.target.value);
                clear("expiresAt");
              }}
              error={errors.expiresAt}
              hint="The key stops working at the end of that day."
            />
          ) : null}
        </div>
        <FormError message={server.form} />
      </form>
    </Modal>
  );
}
