"use client";

import { useEffect, useId, useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";

/** Where the key is kept when the reader asks for it: this tab only, gone when the tab closes. */
const STORAGE_KEY = "inferline.docs.apiKey";

interface TResponse {
  status: number;
  statusText: string;
  ms: number;
  contentType: string;
  text: string;
  json: unknown;
}

interface TProblem {
  title?: string;
  detail?: string;
  code?: string;
  field?: string;
  node?: string;
  invocation_id?: string;
}

function readStoredKey(): string {
  if (typeof window === "undefined") return "";
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? "";
  } catch {
    return "";
  }
}

function pretty(text: string, json: unknown): string {
  return json === undefined ? text : JSON.stringify(json, null, 2);
}

/**
 * Calls the endpoint from the browser with a pasted API key. The key stays in React state (and in
 * sessionStorage only if the reader ticks "Remember"); it goes in the Authorization header, never in the
 * URL, and the request carries no cookies.
 */
export function TryItPanel({ url, initialBody }: { url: string; initialBody: string }) {
  const id = useId();
  // Only ever rendered in the browser (the page waits for client-side queries), so storage is there.
  const [apiKey, setApiKey] = useState(readStoredKey);
  const [remember, setRemember] = useState(() => readStoredKey() !== "");
  const [show, setShow] = useState(false);
  const [body, setBody] = useState(initialBody);
  const [trace, setTrace] = useState(false);
  const [sending, setSending] = useState(false);
  const [bodyError, setBodyError] = useState<string | undefined>();
  const [keyError, setKeyError] = useState<string | undefined>();
  const [response, setResponse] = useState<TResponse | null>(null);
  const [networkError, setNetworkError] = useState<string | null>(null);

  useEffect(() => {
    try {
      if (remember && apiKey) sessionStorage.setItem(STORAGE_KEY, apiKey);
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // storage disabled: the key simply is not remembered
    }
  }, [remember, apiKey]);

  async function send(e: FormEvent) {
    e.preventDefault();
    setKeyError(apiKey.trim() ? undefined : "Paste an API key (il_…). Admins create them on the API keys page.");
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
      setBodyError(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? undefined : "The body must be a JSON object of the pipeline's inputs.");
    } catch (err) {
      setBodyError(`Not valid JSON: ${(err as Error).message}`);
      return;
    }
    if (!apiKey.trim() || typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return;
    setSending(true);
    setNetworkError(null);
    const started = performance.now();
    try {
      const res = await fetch(trace ? `${url}?trace=1` : url, {
        method: "POST",
        headers: { Authorization: `Bearer ${apiKey.trim()}`, "Content-Type": "application/json" },
        body,
        credentials: "omit",
        cache: "no-store",
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      setResponse({ status: res.status, statusText: res.statusText, ms: Math.round(performance.now() - started), contentType: res.headers.get("content-type") ?? "", text, json });
    } catch (err) {
      setResponse(null);
      setNetworkError((err as Error).message || "The request failed.");
    } finally {
      setSending(false);
    }
  }

  const problem = response && response.status >= 400 && response.json && typeof response.json === "object" ? (response.json as TProblem) : null;
  return (
    <form className="card try-it" onSubmit={send} noValidate aria-labelledby={`${id}-title`} data-testid="try-it">
      <div className="card-header">
        <div>
          <h2 className="card-title" id={`${id}-title`}>
            Try it
          </h2>
          <p className="card-subtitle">Calls the endpoint from this browser with your key, like any client would.</p>
        </div>
      </div>
      <div className="card-body try-it-grid">
        <div className="form-stack">
          <div className={`field${keyError ? " field-invalid" : ""}`}>
            <div className="field-label-row">
              <label className="field-label" htmlFor={`${id}-key`}>
                API key
              </label>
              <label className="checkbox small">
                <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
                Remember in this tab
              </label>
            </div>
            <div className="input-with-button">
              <input
                id={`${id}-key`}
                className="input mono"
                type={show ? "text" : "password"}
                autoComplete="off"
                spellCheck={false}
                placeholder="il_…"
                value={apiKey}
                onChange={(e) => setApiKey(e.target.value)}
                aria-invalid={keyError ? true : undefined}
                aria-describedby={`${id}-key-hint`}
              />
              <button type="button" className="btn btn-secondary" onClick={() => setShow((s) => !s)} aria-pressed={show}>
                {show ? "Hide" : "Show"}
              </button>
            </div>
            {keyError ? (
              <p className="field-error" id={`${id}-key-hint`} role="alert">
                {keyError}
              </p>
            ) : (
              <p className="field-hint" id={`${id}-key-hint`}>
                Kept in this page only{remember ? " and this tab's session storage" : ""}; sent as <code>Authorization: Bearer</code>.
              </p>
            )}
          </div>
          <div className={`field code-field code-field-sm${bodyError ? " field-invalid" : ""}`}>
            <div className="field-label-row">
              <label className="field-label" htmlFor={`${id}-body`}>
                Request body (JSON)
              </label>
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => setBody(initialBody)} disabled={body === initialBody}>
                Reset
              </button>
            </div>
            <textarea id={`${id}-body`} className="input textarea" rows={10} spellCheck={false} value={body} onChange={(e) => setBody(e.target.value)} aria-invalid={bodyError ? true : undefined} />
            {bodyError ? (
              <p className="field-error" role="alert">
                {bodyError}
              </p>
            ) : null}
          </div>
          <div className="try-it-actions">
            <label className="checkbox">
              <input type="checkbox" checked={trace} onChange={(e) => setTrace(e.target.checked)} />
              <span>
                Per-node timings (<code>?trace=1</code>)
              </span>
            </label>
            <div className="toolbar-spacer" />
            <button type="submit" className="btn btn-primary" disabled={sending}>
              {sending ? "Sending…" : "Send request"}
            </button>
          </div>

        </div>
        <div className="try-it-result" aria-live="polite">
          {!response && !networkError ? <div className="try-it-placeholder">Send a request to see the status, the response body and any problem details here.</div> : null}
          {networkError ? (
            <Alert tone="error" title="The request did not complete">
              {networkError}
            </Alert>
          ) : null}
          {response ? (
            <div className="try-response" data-testid="try-response">
              <div className="try-response-status">
                <Badge tone={response.status < 300 ? "success" : response.status < 500 ? "warning" : "danger"} testId="try-status">
                  {response.status} {response.statusText}
                </Badge>
                <span className="muted small">{response.ms} ms</span>
                <span className="mono subtle small">{response.contentType.split(";")[0]}</span>
              </div>
              {problem ? (
                <Alert tone="error" title={problem.title ?? `HTTP ${response.status}`} testId="try-problem">
                  {problem.detail ? <p>{problem.detail}</p> : null}
                  <p className="problem-meta">
                    {problem.code ? <code>{problem.code}</code> : null}
                    {problem.field ? (
                      <span>
                        field <code>{problem.field}</code>
                      </span>
                    ) : null}
                    {problem.node ? (
                      <span>
                        node <code>{problem.node}</code>
                      </span>
                    ) : null}
                    {problem.invocation_id ? (
                      <span>
                        invocation <code>{problem.invocation_id}</code>
                      </span>
                    ) : null}
                  </p>
                </Alert>
              ) : null}
              <pre className="code-block code-block-response" data-testid="try-response-body">
                {pretty(response.text, response.json)}
              </pre>
            </div>
          ) : null}
        </div>
      </div>
    </form>
  );
}
