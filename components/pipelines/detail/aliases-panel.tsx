"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useSessionUser } from "@/components/layout/session";
import { useTRPC } from "@/components/trpc/client";
import { Alert, FormError } from "@/components/ui/alert";
import { AliasBadge } from "@/components/ui/badge";
import { errorInfo } from "@/components/ui/errors";
import { SelectField, TextField } from "@/components/ui/field";
import { Modal } from "@/components/ui/modal";
import { LoadingBlock } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { useInvalidatePipelines } from "../use-invalidate";
import { AliasSplitDialog, type TAliasSplit } from "./alias-split-dialog";
import { PromoteCanaryButton } from "./promote-canary-button";

/** Mirrors server/services/aliases/set-alias.ts so the confirmation is never asked for a name the server refuses. */
const ALIAS_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
const SUGGESTIONS = ["production", "staging"];

interface TPending {
  alias: string;
  version: number;
  from: number | null;
}

export function AliasesPanel({ slug, editable }: { slug: string; editable: boolean }) {
  const trpc = useTRPC();
  const user = useSessionUser();
  const invalidate = useInvalidatePipelines();
  const aliases = useQuery(trpc.aliases.list.queryOptions({ slug }));
  const versions = useQuery(trpc.versions.list.queryOptions({ slug }));
  const [alias, setAlias] = useState("production");
  const [versionChoice, setVersionChoice] = useState<number | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const [pending, setPending] = useState<TPending | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [splitting, setSplitting] = useState<TAliasSplit | null>(null);
  const listId = useId();

  const newest = versions.data?.[0]?.number;
  const version = versionChoice ?? newest ?? null;

  const set = useMutation(
    trpc.aliases.set.mutationOptions({
      onSuccess: async (r) => {
        setPending(null);
        setDone(r.previous === null ? `${r.alias} now points to v${r.version}.` : `${r.alias} moved from v${r.previous} to v${r.version}.`);
        await invalidate();
      },
    }),
  );
  const setError = set.error ? errorInfo(set.error) : undefined;
  /** Moving production runs the pipeline's samples first; an admin may override a failing gate (audited). */
  const gateFailed = setError?.code === "PUBLISH_GATE_FAILED";

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    set.reset();
    const name = alias.trim();
    if (!ALIAS_PATTERN.test(name)) {
      setLocalError("Start with a lowercase letter; use up to 32 lowercase letters, digits and hyphens.");
      return;
    }
    if (version === null) return;
    const current = aliases.data?.find((a) => a.name === name);
    if (current?.version === version) {
      setLocalError(`${name} already points to v${version}.`);
      return;
    }
    setLocalError(null);
    setPending({ alias: name, version, from: current?.version ?? null });
  }

  return (
    <section className="card" aria-labelledby="aliases-title" data-testid="aliases-panel">
      <div className="card-header">
        <div>
          <h2 className="card-title" id="aliases-title">
            Aliases
          </h2>
          <p className="card-subtitle">Stable names clients call, e.g. {slug}@production.</p>
        </div>
      </div>
      {aliases.isPending ? (
        <LoadingBlock />
      ) : aliases.isError ? (
        <div className="card-body">
          <Alert tone="error">{errorInfo(aliases.error).message}</Alert>
        </div>
      ) : aliases.data.length === 0 ? (
        <p className="card-body muted small">No aliases yet.</p>
      ) : (
        <table className="table table-compact" data-testid="aliases-table">
          <thead>
            <tr>
              <th scope="col">Alias</th>
              <th scope="col">Version</th>
              <th scope="col">Moved</th>
            </tr>
          </thead>
          <tbody>
            {aliases.data.map((a) => (
              <tr key={a.name} data-testid="alias-row" data-alias={a.name}>
                <td>
                  <AliasBadge name={a.name} version={a.version} />
                </td>
                <td>
                  <span className="version-tag">v{a.version}</span>
                  {a.canary ? (
                    <div className="muted small" data-testid="alias-canary">
                      {`${100 - a.canary.weight} % · canary v${a.canary.version} ${a.canary.weight} % (${a.canary.sticky ? "sticky" : "random"})`}
                    </div>
                  ) : null}
                  {a.shadow !== null ? (
                    <div className="muted small" data-testid="alias-shadow">
                      shadow v{a.shadow}
                    </div>
                  ) : null}
                  {editable ? (
                    <div className="suggestions">
                      <button type="button" className="btn btn-sm btn-ghost" onClick={() => setSplitting(a)} disabled={!versions.data || versions.data.length < 2} title="Send a share of the calls to another version, or copy them to a shadow version" data-testid="edit-split">
                        Canary / shadow…
                      </button>
                      {a.canary ? <PromoteCanaryButton slug={slug} alias={a.name} from={a.version} to={a.canary.version} /> : null}
                    </div>
                  ) : null}
                </td>
                <td className="muted small nowrap">
                  <Time value={a.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editable ? (
        versions.data && versions.data.length === 0 ? (
          <p className="card-body card-body-top muted small">Commit a version first; aliases point at versions.</p>
        ) : (
          <form className="card-body card-body-top" onSubmit={onSubmit} noValidate data-testid="alias-form">
            <div className="alias-form">
              <TextField
                label="Alias"
                list={listId}
                value={alias}
                maxLength={32}
                spellCheck={false}
                autoCapitalize="off"
                autoComplete="off"
                className="mono-input"
                onChange={(e) => {
                  setAlias(e.target.value);
                  setLocalError(null);
                  setDone(null);
                }}
                error={localError ?? undefined}
              />
              <datalist id={listId}>
                {SUGGESTIONS.map((s) => (
                  <option key={s} value={s} />
                ))}
              </datalist>
              <SelectField
                label="Version"
                value={version ?? ""}
                disabled={!versions.data}
                onChange={(e) => {
                  setVersionChoice(Number(e.target.value));
                  setLocalError(null);
                  setDone(null);
                }}
              >
                {versions.data?.map((v) => (
                  <option key={v.number} value={v.number}>
                    v{v.number} · {v.message.length > 28 ? `${v.message.slice(0, 28)}…` : v.message}
                  </option>
                ))}
              </SelectField>
            </div>
            <div className="alias-actions">
              <div className="suggestions" aria-label="Suggested aliases">
                {SUGGESTIONS.map((s) => (
                  <button
                    key={s}
                    type="button"
                    className={`chip${alias === s ? " chip-active" : ""}`}
                    aria-pressed={alias === s}
                    onClick={() => {
                      setAlias(s);
                      setLocalError(null);
                    }}
                  >
                    {s}
                  </button>
                ))}
              </div>
              <button type="submit" className="btn btn-primary" disabled={version === null || !alias.trim()}>
                Set alias
              </button>
            </div>
            {done ? (
              <p className="note note-success" role="status">
                {done}
              </p>
            ) : null}
          </form>
        )
      ) : null}
      {splitting && versions.data ? <AliasSplitDialog slug={slug} alias={splitting} versions={versions.data} onClose={() => setSplitting(null)} /> : null}
      {pending ? (
        <Modal
          title={pending.from === null ? "Create alias?" : "Move alias?"}
          onClose={() => {
            setPending(null);
            set.reset();
          }}
          size="sm"
          testId="alias-confirm"
          footer={
            <>
              <button
                type="button"
                className="btn btn-ghost"
                onClick={() => {
                  setPending(null);
                  set.reset();
                }}
              >
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-primary"
                autoFocus
                disabled={set.isPending}
                data-testid="confirm-alias"
                onClick={() => set.mutate({ slug, alias: pending.alias, version: pending.version })}
              >
                {set.isPending ? "Saving…" : pending.from === null ? `Create ${pending.alias}` : `Move ${pending.alias}`}
              </button>
              {gateFailed && user.role === "admin" ? (
                <button
                  type="button"
                  className="btn btn-danger"
                  disabled={set.isPending}
                  onClick={() => set.mutate({ slug, alias: pending.alias, version: pending.version, force: true })}
                >
                  Move anyway
                </button>
              ) : null}
            </>
          }
        >
          <p className="confirm-question">{pending.from === null ? `Point ${pending.alias} at v${pending.version}?` : `Move ${pending.alias} from v${pending.from} to v${pending.version}?`}</p>
          <p className="muted small">
            Calls to <code>{`${slug}@${pending.alias}`}</code> are served by v{pending.version} as soon as you confirm. The change is recorded in the activity log.
          </p>
          <FormError message={setError?.message} />
          {gateFailed ? (
            <p className="muted small">
              {user.role === "admin" ? "As an admin you can move it anyway; the override is recorded in the activity log." : "Fix the version or its samples, or ask an admin to override."}
            </p>
          ) : null}
        </Modal>
      ) : null}
    </section>
  );
}
