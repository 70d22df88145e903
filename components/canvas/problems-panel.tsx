"use client";

import { useEditorContext } from "./editor-context";
import { useStore } from "./store";

/** Every compile issue, errors first; clicking one focuses its node. */
export function ProblemsPanel({ open, onToggle, onFocusNode, labelOf }: { open: boolean; onToggle: () => void; onFocusNode: (id: string) => void; labelOf: (id: string) => string }) {
  const { validation } = useEditorContext();
  const state = useStore(validation, (s) => s);
  const issues = [...(state.result?.issues ?? [])].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
  const errors = issues.filter((i) => i.severity === "error").length;
  const warnings = issues.length - errors;
  return (
    <section className={`problems${open ? " problems-open" : ""}`} aria-label="Problems" data-testid="problems-panel">
      <button type="button" className="problems-bar" onClick={onToggle} aria-expanded={open}>
        <span className="problems-title">Problems</span>
        {state.pending ? <span className="problems-checking">checking…</span> : null}
        <span className={`problems-count ${errors ? "is-error" : ""}`} data-testid="problems-errors">
          {errors} {errors === 1 ? "error" : "errors"}
        </span>
        <span className={`problems-count ${warnings ? "is-warning" : ""}`}>
          {warnings} {warnings === 1 ? "warning" : "warnings"}
        </span>
        {state.result && !issues.length ? <span className="problems-ok">✓ The pipeline compiles</span> : null}
        {state.error ? <span className="problems-count is-error">Could not check: {state.error}</span> : null}
        <span className="problems-chevron" aria-hidden="true">
          {open ? "▾" : "▴"}
        </span>
      </button>
      {open ? (
        <ul className="problem-list">
          {issues.length === 0 ? <li className="muted small problem-none">No problems.</li> : null}
          {issues.map((i, n) => (
            <li key={n}>
              <button type="button" className={`problem problem-${i.severity}`} disabled={!i.nodeId} onClick={() => i.nodeId && onFocusNode(i.nodeId)}>
                <span className="problem-icon" aria-hidden="true">
                  {i.severity === "error" ? "✕" : "!"}
                </span>
                {i.nodeId ? <span className="problem-node">{labelOf(i.nodeId)}</span> : null}
                <span className="problem-message">{i.message}</span>
                <code className="problem-code">{i.code}</code>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
