"use client";

import { useQuery } from "@tanstack/react-query";
import { useId, useMemo } from "react";
import { useTRPC } from "@/components/trpc/client";
import { diffGraphs, diffIsEmpty, showValue, type TGraphDiff } from "./diff";
import type { TGraph, TLayout } from "./types";

/** "draft" or a version number. */
export type TGraphRef = "draft" | number;

export function refLabel(r: TGraphRef): string {
  return r === "draft" ? "Draft" : `v${r}`;
}

/** The graph behind a ref: the editor's own (unsaved edits included) for the draft, else the version. */
export function useRefGraph(slug: string, ref: TGraphRef, draft: { graph: TGraph; layout: TLayout }, enabled = true): { graph: TGraph; layout: TLayout } | undefined {
  const trpc = useTRPC();
  const version = useQuery({ ...trpc.versions.get.queryOptions({ slug, number: typeof ref === "number" ? ref : 1 }, { staleTime: Infinity }), enabled: enabled && typeof ref === "number" });
  if (!enabled) return undefined;
  if (ref === "draft") return draft;
  if (!version.data) return undefined;
  return { graph: version.data.graph as unknown as TGraph, layout: version.data.layout as unknown as TLayout };
}

/** Only computed while `enabled` (the diff runs on every edit of the draft side). */
export function useGraphDiff(slug: string, a: TGraphRef, b: TGraphRef, draft: { graph: TGraph; layout: TLayout }, enabled = true) {
  const ga = useRefGraph(slug, a, draft, enabled);
  const gb = useRefGraph(slug, b, draft, enabled);
  const diff = useMemo(() => (ga && gb ? diffGraphs(ga.graph, gb.graph) : undefined), [ga, gb]);
  return { a: ga, b: gb, diff };
}

/** Pick two graphs; list nodes added/removed/changed (param by param) and edges added/removed. */
export function DiffPanel({
  slug,
  a,
  b,
  onChange,
  diff,
  labelOf,
}: {
  slug: string;
  a: TGraphRef;
  b: TGraphRef;
  onChange: (a: TGraphRef, b: TGraphRef) => void;
  diff: TGraphDiff | undefined;
  labelOf: (id: string) => string;
}) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.versions.list.queryOptions({ slug }));
  const idA = useId();
  const idB = useId();
  const options: TGraphRef[] = ["draft", ...(versions.data?.map((v) => v.number) ?? [])];
  const parse = (s: string): TGraphRef => (s === "draft" ? "draft" : Number(s));
  if (versions.data && versions.data.length === 0) {
    return (
      <p className="muted small" data-testid="diff-panel">
        No versions yet. Commit the draft, then compare versions with each other or with the draft here.
      </p>
    );
  }

  return (
    <div className="diff-panel" data-testid="diff-panel">
      <div className="diff-pick">
        <div className="field">
          <label className="field-label" htmlFor={idA}>
            From
          </label>
          <select id={idA} className="input select" value={String(a)} onChange={(e) => onChange(parse(e.target.value), b)}>
            {options.map((o) => (
              <option key={String(o)} value={String(o)}>
                {refLabel(o)}
              </option>
            ))}
          </select>
        </div>
        <span className="diff-arrow" aria-hidden="true">
          →
        </span>
        <div className="field">
          <label className="field-label" htmlFor={idB}>
            To
          </label>
          <select id={idB} className="input select" value={String(b)} onChange={(e) => onChange(a, parse(e.target.value))}>
            {options.map((o) => (
              <option key={String(o)} value={String(o)}>
                {refLabel(o)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {!diff ? (
        <p className="muted small">Loading…</p>
      ) : diffIsEmpty(diff) ? (
        <p className="note" data-testid="diff-empty">
          No changes between {refLabel(a)} and {refLabel(b)}. (Moving nodes is not a change.)
        </p>
      ) : (
        <div className="diff-list" data-testid="diff-list">
          <p className="diff-summary">
            <span className="diff-chip diff-chip-added">+{diff.added.length} nodes</span>
            <span className="diff-chip diff-chip-removed">−{diff.removed.length} nodes</span>
            <span className="diff-chip diff-chip-changed">~{diff.changed.length} changed</span>
            <span className="diff-chip">
              edges +{diff.edgesAdded.length} −{diff.edgesRemoved.length}
            </span>
          </p>
          <ul>
            {diff.added.map((n) => (
              <li key={`a-${n.id}`} className="diff-item diff-item-added">
                <span className="diff-sign">+</span> Added <strong>{n.label ?? n.id}</strong> <code>{n.type}</code>
              </li>
            ))}
            {diff.removed.map((n) => (
              <li key={`r-${n.id}`} className="diff-item diff-item-removed">
                <span className="diff-sign">−</span> Removed <strong>{n.label ?? n.id}</strong> <code>{n.type}</code>
              </li>
            ))}
            {diff.changed.map((c) => (
              <li key={`c-${c.id}`} className="diff-item diff-item-changed" data-testid={`diff-changed-${c.id}`}>
                <span className="diff-sign">~</span> Changed <strong>{labelOf(c.id)}</strong>
                <table className="diff-params">
                  <tbody>
                    {c.changes.map((ch) => (
                      <tr key={ch.field}>
                        <th scope="row">
                          <code>{ch.field.replace(/^params\./, "")}</code>
                        </th>
                        <td className="diff-before">{showValue(ch.before)}</td>
                        <td className="diff-after">{showValue(ch.after)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </li>
            ))}
            {diff.edgesAdded.map((e, i) => (
              <li key={`ea-${i}`} className="diff-item diff-item-added">
                <span className="diff-sign">+</span> Edge{" "}
                <code>
                  {e.source.node}.{e.source.port} → {e.target.node}.{e.target.port}
                </code>
              </li>
            ))}
            {diff.edgesRemoved.map((e, i) => (
              <li key={`er-${i}`} className="diff-item diff-item-removed">
                <span className="diff-sign">−</span> Edge{" "}
                <code>
                  {e.source.node}.{e.source.port} → {e.target.node}.{e.target.port}
                </code>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
