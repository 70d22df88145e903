"use client";

import Link from "next/link";
import { useEffect, useRef } from "react";
import type { TRouterOutputs } from "@/components/trpc/client";
import { BinaryThumbnail, findBinaries } from "@/components/logs/binary-inputs";
import { formatDuration, formatStamp, versionLabel } from "@/components/logs/format";
import { stableJson } from "./graph-doc";
import type { TRunResult, TTraceEntry } from "./types";

/** A logged call being replayed in the editor (invocations.get). */
export type TReplay = TRouterOutputs["invocations"]["get"];

const REDACTED = "[redacted]";

/**
 * Why a recorded value cannot be sent again as it was, or null when it can. The log keeps uploads as a hash
 * and may cut, summarise or redact fields (the pipeline's log policy): those markers are not the call's data.
 */
export function whyNotReplayable(v: unknown): string | null {
  if (v === REDACTED) return "redacted by the pipeline's log policy";
  if (Array.isArray(v)) {
    for (const x of v) {
      const why = whyNotReplayable(x);
      if (why) return why;
    }
    return null;
  }
  if (v === null || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  if ("$binary" in o) {
    const b = o.$binary as { sha256?: string; bytes?: number } | null;
    return `an uploaded file, logged by hash only (${b?.bytes ?? "?"} bytes, sha256 ${String(b?.sha256 ?? "").slice(0, 12)}…): choose the file again`;
  }
  if ("$truncated" in o) return "cut by the pipeline's log policy (truncated)";
  if ("$meta" in o) return "not recorded: the pipeline logs metadata only";
  for (const x of Object.values(o)) {
    const why = whyNotReplayable(x);
    if (why) return why;
  }
  return null;
}

/** The recorded inputs that can be replayed as they were, and why the others cannot. */
export function recordedInputs(replay: TReplay): { values: Record<string, unknown>; problems: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const problems: Record<string, string> = {};
  const inputs = replay.inputs;
  if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) return { values, problems: { "*": "no inputs were recorded for this call" } };
  for (const [name, v] of Object.entries(inputs)) {
    const why = whyNotReplayable(v);
    if (why) problems[name] = why;
    else values[name] = v;
  }
  return { values, problems };
}

function recordedField(replay: TReplay, name: string): unknown {
  const inputs = replay.inputs;
  return inputs !== null && typeof inputs === "object" && !Array.isArray(inputs) ? (inputs as Record<string, unknown>)[name] : undefined;
}

/** The recorded per-node trace, typed for the canvas (node badges on the version view). */
export function recordedTrace(replay: TReplay): TTraceEntry[] {
  if (!Array.isArray(replay.trace)) return [];
  return (replay.trace as unknown[]).filter((t): t is TTraceEntry => typeof t === "object" && t !== null && typeof (t as TTraceEntry).nodeId === "string");
}

/** Top of the test panel while a logged call is replayed: what was called, how it ended, what cannot be replayed. */
export function ReplayBanner({
  replay,
  problems,
  labelOf,
  canRun,
  running,
  onRun,
  onShowRecorded,
  onClose,
}: {
  replay: TReplay;
  problems: Record<string, string>;
  labelOf: (id: string) => string;
  canRun: boolean;
  running: boolean;
  onRun: () => void;
  onShowRecorded: (() => void) | null;
  onClose: () => void;
}) {
  const failed = replay.status !== "ok";
  return (
    <section className="panel-section replay-banner" data-testid="replay-banner" aria-label="Replayed call">
      <div className="replay-head">
        <h3 className="panel-section-title">Replaying a logged call</h3>
        <button type="button" className="icon-button" aria-label="Close the replay" title="Close the replay" onClick={onClose}>
          ×
        </button>
      </div>
      <p className="small">
        <Link href={`/logs/${replay.id}`} className="mono">
          {replay.id.slice(0, 8)}
        </Link>{" "}
        · {versionLabel(replay)} · {replay.source}
        {replay.apiKey ? ` · key ${replay.apiKey.name ?? replay.apiKey.id.slice(0, 8)}` : ""} · {formatStamp(replay.startedAt)} · {formatDuration(replay.durationMs)}{" "}
        <span className={`badge ${failed ? "badge-danger" : "badge-success"}`} data-testid="replay-recorded-status">
          {replay.status}
        </span>
      </p>
      {failed && (replay.errorCode || replay.errorMessage) ? (
        <div className="run-error" role="alert" data-testid="replay-recorded-error">
          <p className="run-error-title">
            <code>{replay.errorCode ?? "ERROR"}</code>
            {replay.errorNode ? (
              <>
                {" "}
                in <strong data-testid="replay-error-node">{labelOf(replay.errorNode)}</strong>
              </>
            ) : null}
          </p>
          {replay.errorMessage ? <p>{replay.errorMessage}</p> : null}
        </div>
      ) : null}
      {replay.versionNumber === null ? (
        <p className="muted small">This call ran on an earlier draft; drafts are not kept, so the recorded graph cannot be shown.</p>
      ) : null}
      {Object.keys(problems).length ? (
        <div className="replay-problems" data-testid="replay-problems">
          <p className="small">
            <strong>Not everything can be replayed as sent:</strong>
          </p>
          <ul className="issues-list small">
            {Object.entries(problems).map(([name, why]) => (
              <li key={name}>
                <code>{name === "*" ? "inputs" : name}</code>: {why}
                {/* Which file to choose again: the log keeps a thumbnail of uploaded images. */}
                {findBinaries(recordedField(replay, name), name).map((b) => (
                  <span key={b.path}> <BinaryThumbnail binary={b} /></span>
                ))}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="button-row">
        <button type="button" className="btn btn-primary btn-sm" disabled={!canRun || running} onClick={onRun} data-testid="replay-run">
          {running ? "Running…" : "▶ Re-run on the draft"}
        </button>
        {onShowRecorded ? (
          <button type="button" className="btn btn-secondary btn-sm" onClick={onShowRecorded} data-testid="replay-show-version">
            Show v{replay.versionNumber} as it ran
          </button>
        ) : null}
      </div>
      {!canRun ? <p className="muted small">Re-running needs the editor role.</p> : null}
    </section>
  );
}

type TCell = { text: string; key: string } | null;

function cell(v: unknown): TCell {
  if (v === undefined) return null;
  return { text: JSON.stringify(v), key: stableJson(v) };
}

/** The recorded answer next to the draft's answer for the same inputs, output by output. */
export function ReplayCompare({ replay, result, labelOf, sameInputs }: { replay: TReplay; result: TRunResult; labelOf: (id: string) => string; sameInputs: boolean }) {
  const recordedOutputs = replay.outputs !== null && typeof replay.outputs === "object" && !Array.isArray(replay.outputs) ? (replay.outputs as Record<string, unknown>) : {};
  const nowOutputs = result.status === "ok" ? (result.outputs as Record<string, unknown>) : {};
  const names = [...new Set([...Object.keys(recordedOutputs), ...Object.keys(nowOutputs)])].sort();
  const errorText = (code: string | null | undefined, node: string | null | undefined, message: string | null | undefined) =>
    code || message ? `${code ?? "ERROR"}${node ? ` in ${labelOf(node)}` : ""}: ${message ?? ""}` : "—";
  const recordedError = replay.status === "ok" ? "—" : errorText(replay.errorCode, replay.errorNode, replay.errorMessage);
  const nowError = result.status === "ok" ? "—" : errorText(result.error.code, result.error.nodeId, result.error.message);
  const rows: { name: string; a: TCell; b: TCell; testId: string }[] = [
    { name: "status", a: cell(replay.status), b: cell(result.status), testId: "compare-status" },
    { name: "error", a: { text: recordedError, key: recordedError }, b: { text: nowError, key: nowError }, testId: "compare-error" },
    ...names.map((n) => ({ name: n, a: cell(recordedOutputs[n]), b: cell(nowOutputs[n]), testId: `compare-output-${n}` })),
  ];
  const changed = rows.filter((r) => r.a?.key !== r.b?.key).length;
  // The answer to "did my fix work?": bring it into view when a new result arrives.
  const box = useRef<HTMLElement>(null);
  useEffect(() => {
    // Not returned: recent Chromium returns a promise from scrollIntoView, and React would take it for a cleanup.
    void box.current?.scrollIntoView({ block: "nearest" });
  }, [result]);
  return (
    <section ref={box} className="panel-section" data-testid="replay-compare" aria-label="Recorded and draft outputs">
      <div className="run-result-head">
        <h3 className="panel-section-title">Recorded vs draft</h3>
        <span className={`badge ${changed ? "badge-warning" : "badge-success"}`} data-testid="compare-summary">
          {changed ? `${changed} difference${changed === 1 ? "" : "s"}` : "identical"}
        </span>
      </div>
      {!sameInputs ? (
        <p className="small replay-edited" data-testid="compare-inputs-edited">
          The draft ran on inputs that differ from the recorded ones (edited, or not all kept by the log).
        </p>
      ) : null}
      <table className="compare-table">
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col">Recorded ({versionLabel(replay)})</th>
            <th scope="col">Draft now</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name} data-testid={r.testId} data-same={r.a?.key === r.b?.key ? "true" : "false"} className={r.a?.key === r.b?.key ? "" : "compare-diff"}>
              <th scope="row" className="mono">
                {r.name}
              </th>
              <td>{r.a ? <pre className="compare-value">{r.a.text}</pre> : <span className="muted">—</span>}</td>
              <td>{r.b ? <pre className="compare-value">{r.b.text}</pre> : <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">Draft run took {formatDuration(result.durationMs)}; the recorded call took {formatDuration(replay.durationMs)}.</p>
    </section>
  );
}
