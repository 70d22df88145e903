"use client";

import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { useTRPC } from "@/components/trpc/client";

export const SUB_PIPELINE_TYPE = /^logic\/pipeline@v\d+$/;

/** The params a sub-pipeline node takes: a pipeline and either a version or an alias (which a commit pins). */
export interface TSubPipelineTarget {
  pipeline: string;
  version?: number | undefined;
  alias?: string | undefined;
}

/**
 * A pipeline and a version or alias to run as a sub-pipeline node: the other pipelines (not this one, which
 * would be a cycle), each with its aliases and committed versions. Picking an alias clears the version: the
 * draft follows it and a commit pins the version it points at then.
 */
export function SubPipelinePicker({ slug, value, readOnly, onChange }: { slug: string; value: Partial<TSubPipelineTarget>; readOnly: boolean; onChange: (next: TSubPipelineTarget) => void }) {
  const trpc = useTRPC();
  const idPipeline = useId();
  const idTarget = useId();
  const list = useQuery(trpc.pipelines.list.queryOptions({}));
  const others = list.data?.filter((p) => p.slug !== slug) ?? [];
  const chosen = list.data?.find((p) => p.slug === value.pipeline);
  // A committed graph holds both (the alias kept for information); the version is what runs.
  const target = value.version !== undefined ? `v:${value.version}` : value.alias !== undefined ? `a:${value.alias}` : "";

  return (
    <div className="model-picker" data-testid="sub-pipeline-picker">
      <div className="field">
        <label className="field-label" htmlFor={idPipeline}>
          Pipeline
        </label>
        <select
          id={idPipeline}
          className="input select"
          value={value.pipeline ?? ""}
          disabled={readOnly || list.isPending}
          onChange={(e) => {
            const p = others.find((x) => x.slug === e.target.value);
            if (!p) return;
            const production = p.aliases.find((a) => a.name === "production");
            onChange(production ? { pipeline: p.slug, alias: production.name } : { pipeline: p.slug, ...(p.versionCount ? { version: p.versionCount } : {}) });
          }}
        >
          {!value.pipeline ? <option value="">{list.isPending ? "Loading pipelines…" : "Choose a pipeline…"}</option> : null}
          {value.pipeline && !chosen && !list.isPending ? <option value={value.pipeline}>{value.pipeline} (not found)</option> : null}
          {others.map((p) => (
            <option key={p.slug} value={p.slug} disabled={p.versionCount === 0}>
              {p.name} ({p.slug}){p.versionCount === 0 ? " · no versions yet" : ""}
            </option>
          ))}
        </select>
      </div>
      {chosen ? (
        <div className="field">
          <label className="field-label" htmlFor={idTarget}>
            Version or alias
          </label>
          <select
            id={idTarget}
            className="input select"
            value={target}
            disabled={readOnly}
            onChange={(e) => {
              const [how, what] = [e.target.value.slice(0, 1), e.target.value.slice(2)];
              onChange(how === "a" ? { pipeline: chosen.slug, alias: what } : { pipeline: chosen.slug, version: Number(what) });
            }}
          >
            {!target ? <option value="">Choose…</option> : null}
            {chosen.aliases.length ? (
              <optgroup label="Aliases (followed by the draft, pinned by a commit)">
                {chosen.aliases.map((a) => (
                  <option key={a.name} value={`a:${a.name}`}>
                    {a.name} → v{a.version}
                  </option>
                ))}
              </optgroup>
            ) : null}
            <optgroup label="Versions">
              {Array.from({ length: chosen.versionCount }, (_, i) => chosen.versionCount - i).map((n) => (
                <option key={n} value={`v:${n}`}>
                  v{n}
                </option>
              ))}
            </optgroup>
          </select>
          <p className="field-hint">
            {value.version !== undefined
              ? `Runs ${chosen.slug} v${value.version}${value.alias ? ` (pinned from ${value.alias} when committed)` : ""}.`
              : value.alias
                ? `Follows ${value.alias} (now v${chosen.aliases.find((a) => a.name === value.alias)?.version ?? "?"}); committing pins that version.`
                : null}
          </p>
        </div>
      ) : null}
    </div>
  );
}
