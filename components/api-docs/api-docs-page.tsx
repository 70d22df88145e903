"use client";

import { useQuery } from "@tanstack/react-query";
import dynamic from "next/dynamic";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useId, useMemo, useState, useSyncExternalStore } from "react";
import { useTRPC, type TRouterOutputs } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { errorCode, errorInfo } from "@/components/ui/errors";
import { EmptyState, LoadingBlock } from "@/components/ui/states";
import { CopyButton } from "./copy-button";
import { exampleBody, readContract, type TField } from "./openapi-contract";
import { KEY_VARIABLE, snippet, SNIPPET_LANGUAGES, type TSnippetLanguage } from "./snippets";
import { TryItPanel } from "./try-it-panel";

const OpenApiReference = dynamic(() => import("./openapi-reference"), { ssr: false, loading: () => <LoadingBlock label="Loading the reference…" /> });

type TAlias = TRouterOutputs["aliases"]["list"][number];
type TVersion = TRouterOutputs["versions"]["list"][number];
type TTarget = { alias: string } | { version: number };

/** The page's origin, known only in the browser: it is the server URL clients will call. */
function useOrigin(): string | null {
  return useSyncExternalStore(
    () => () => {},
    () => window.location.origin,
    () => null,
  );
}

function targetKey(t: TTarget): string {
  return "alias" in t ? `alias:${t.alias}` : `version:${t.version}`;
}

function parseTarget(key: string): TTarget {
  return key.startsWith("alias:") ? { alias: key.slice(6) } : { version: Number(key.slice(8)) };
}

/** production if there is one, else another alias, else the newest version. */
function defaultTarget(aliases: TAlias[], versions: TVersion[]): TTarget | null {
  if (aliases.some((a) => a.name === "production")) return { alias: "production" };
  if (aliases[0]) return { alias: aliases[0].name };
  if (versions[0]) return { version: versions[0].number };
  return null;
}

export function ApiDocsPage() {
  const params = useParams<{ slug: string }>();
  const slug = decodeURIComponent(params.slug);
  const trpc = useTRPC();
  const pipeline = useQuery(trpc.pipelines.get.queryOptions({ slug }));
  const aliases = useQuery(trpc.aliases.list.queryOptions({ slug }));
  const versions = useQuery(trpc.versions.list.queryOptions({ slug }));

  if (pipeline.isPending || aliases.isPending || versions.isPending) return <LoadingBlock label="Loading the API…" />;
  if (pipeline.isError) {
    if (errorCode(pipeline.error) === "NOT_FOUND") {
      return (
        <EmptyState title="Pipeline not found" action={<Link href="/docs" className="btn btn-secondary">All pipeline APIs</Link>}>
          There is no pipeline with slug <code>{slug}</code>.
        </EmptyState>
      );
    }
    return (
      <Alert tone="error" title="Could not load the pipeline">
        {errorInfo(pipeline.error).message}
      </Alert>
    );
  }
  if (aliases.isError || versions.isError) {
    return (
      <Alert tone="error" title="Could not load the pipeline's versions">
        {errorInfo(aliases.error ?? versions.error).message}
      </Alert>
    );
  }
  const p = pipeline.data;
  return (
    <div className="stack-lg">
      <div>
        <nav className="breadcrumbs" aria-label="Breadcrumb">
          <Link href="/docs">API docs</Link>
          <span aria-hidden="true">/</span>
          <span aria-current="page">{p.name}</span>
        </nav>
        <div className="page-header">
          <div className="page-header-main">
            <div className="title-row">
              <h1 className="page-title">{p.name} API</h1>
              <code className="slug-pill" title="Slug (used in API URLs)">
                {p.slug}
              </code>
              {p.archived ? <Badge tone="warning">Archived</Badge> : null}
            </div>
            {p.description ? <p className="page-subtitle">{p.description}</p> : null}
          </div>
          <Link href={`/pipelines/${p.slug}`} className="btn btn-secondary">
            Open pipeline
          </Link>
        </div>
      </div>
      {p.archived ? (
        <EmptyState title="This pipeline is archived">Archived pipelines are not served: every endpoint answers 404. Unarchive it on its page to publish it again.</EmptyState>
      ) : (
        <DocsBody slug={p.slug} aliases={aliases.data} versions={versions.data} />
      )}
    </div>
  );
}

function DocsBody({ slug, aliases, versions }: { slug: string; aliases: TAlias[]; versions: TVersion[] }) {
  const trpc = useTRPC();
  const origin = useOrigin();
  const ids = useId();
  const initial = defaultTarget(aliases, versions);
  const [targetChoice, setTargetChoice] = useState<string | null>(null);
  const target = targetChoice ? parseTarget(targetChoice) : initial;
  const samples = useQuery(trpc.samples.list.queryOptions({ slug }));
  const [sampleChoice, setSampleChoice] = useState<string | null>(null);
  const sampleId = sampleChoice ?? samples.data?.[0]?.id ?? "";
  const doc = useQuery({
    ...trpc.pipelines.openapi.queryOptions({ slug, target: target ?? { alias: "production" }, serverUrl: origin ?? undefined }),
    enabled: target !== null && origin !== null,
  });
  const contract = useMemo(() => (doc.data ? readContract(doc.data) : null), [doc.data]);

  if (!initial || !target) {
    return (
      <EmptyState title="Nothing to call yet" action={<Link href={`/pipelines/${slug}`} className="btn btn-primary">Open pipeline</Link>}>
        A pipeline gets an API once a version is committed. Point the <code>production</code> alias at it to publish it at its main URL.
      </EmptyState>
    );
  }
  const sample = samples.data?.find((s) => s.id === sampleId);
  const body = sample ? (sample.inputs as Record<string, unknown>) : contract ? exampleBody(contract) : {};
  const url = contract && origin ? `${origin}${contract.path}` : null;
  const unpublished = !aliases.some((a) => a.name === "production");

  return (
    <>
      {unpublished ? (
        <Alert tone="info" title="Not published yet">
          <code>production</code> points at no version, so the main URL <code>/api/v1/pipelines/{slug}/invoke</code> answers 404. Below: {"alias" in target ? `the ${target.alias} alias` : `version ${target.version}`}, callable at its own URL.
        </Alert>
      ) : null}
      <section className="card docs-toolbar" aria-label="What to document">
        <div className="docs-toolbar-inner">
          <div className="field">
            <label className="field-label" htmlFor={`${ids}-target`}>
              Target
            </label>
            <select id={`${ids}-target`} className="input select" value={targetKey(target)} onChange={(e) => setTargetChoice(e.target.value)} data-testid="docs-target">
              {aliases.length ? (
                <optgroup label="Aliases (move with each release)">
                  {aliases.map((a) => (
                    <option key={a.name} value={`alias:${a.name}`}>
                      {a.name} → v{a.version}
                    </option>
                  ))}
                </optgroup>
              ) : null}
              <optgroup label="Versions (never change)">
                {versions.map((v) => (
                  <option key={v.number} value={`version:${v.number}`}>
                    v{v.number}
                    {v.message ? ` — ${v.message.slice(0, 48)}` : ""}
                  </option>
                ))}
              </optgroup>
            </select>
          </div>
          <div className="field">
            <label className="field-label" htmlFor={`${ids}-sample`}>
              Example body
            </label>
            <select id={`${ids}-sample`} className="input select" value={sampleId} onChange={(e) => setSampleChoice(e.target.value)} disabled={samples.isPending} data-testid="docs-sample">
              {(samples.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  Sample: {s.name}
                </option>
              ))}
              <option value="">Placeholder values from the schema</option>
            </select>
          </div>
        </div>
      </section>

      {doc.isError ? (
        <Alert tone="error" title={errorCode(doc.error) === "INVALID_PIPELINE" ? "This version has no API contract" : "Could not load the API description"} testId="docs-error">
          {errorInfo(doc.error).message}
        </Alert>
      ) : !contract || !url ? (
        <LoadingBlock label="Generating the OpenAPI document…" />
      ) : (
        <>
          <EndpointCard url={url} inputs={contract.inputs} outputs={contract.outputs} version={contract.version} />
          <SnippetsCard url={url} body={body} sampleName={sample?.name} />
          <TryItPanel key={`${sampleId}`} url={url} initialBody={JSON.stringify(body, null, 2)} />
          <section className="card" aria-labelledby={`${ids}-ref`}>
            <div className="card-header">
              <div>
                <h2 className="card-title" id={`${ids}-ref`}>
                  OpenAPI reference
                </h2>
                <p className="card-subtitle">The generated OpenAPI 3.1 document: request and response schemas, and every error answer.</p>
              </div>
              <div className="card-header-aside">
                <CopyButton text={JSON.stringify(doc.data, null, 2)} label="Copy JSON" testId="copy-openapi" />
              </div>
            </div>
            <OpenApiReference key={targetKey(target)} spec={doc.data as object} />
          </section>
        </>
      )}
    </>
  );
}

function FieldTable({ caption, fields, showRequired }: { caption: string; fields: TField[]; showRequired: boolean }) {
  return (
    <div className="subtable">
      <table className="table table-compact">
        <caption className="subtable-caption">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr key={f.name}>
              <td className="nowrap">
                <code className="field-name">{f.name}</code>
                {showRequired ? f.required ? <span className="required-mark">required</span> : <span className="subtle small"> optional</span> : null}
              </td>
              <td className="mono small">{f.type}</td>
              <td className="small">{f.description ?? <span className="subtle">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function EndpointCard({ url, inputs, outputs, version }: { url: string; inputs: TField[]; outputs: TField[]; version: string }) {
  return (
    <section className="card" aria-label="Endpoint">
      <div className="card-body stack">
        <div className="endpoint-row">
          <span className="http-method">POST</span>
          <code className="endpoint-url" data-testid="endpoint-url">
            {url}
          </code>
          <CopyButton text={url} label="Copy URL" ariaLabel="Copy the endpoint URL" />
        </div>
        <p className="muted small">
          Serves version <strong>{version}</strong>. Send an API key as <code>Authorization: Bearer il_…</code> or <code>X-API-Key</code> — never in the URL. The body is a JSON object of the named inputs
          (or <code>multipart/form-data</code> for files); the answer holds <code>outputs</code>, the <code>version</code> that ran and an <code>invocation_id</code>. Errors are{" "}
          <code>application/problem+json</code> with a stable <code>code</code>.
        </p>
        <div className="docs-fields">
          <FieldTable caption="Inputs" fields={inputs} showRequired />
          <FieldTable caption="Outputs" fields={outputs} showRequired={false} />
        </div>
      </div>
    </section>
  );
}

function SnippetsCard({ url, body, sampleName }: { url: string; body: unknown; sampleName: string | undefined }) {
  const [lang, setLang] = useState<TSnippetLanguage>("curl");
  const ids = useId();
  const text = snippet(lang, url, body);
  return (
    <section className="card snippets" aria-labelledby={`${ids}-title`}>
      <div className="card-header">
        <div>
          <h2 className="card-title" id={`${ids}-title`}>
            Call it
          </h2>
          <p className="card-subtitle">
            First <code>export {KEY_VARIABLE}=il_…</code> (your key){sampleName ? `; the body is the saved sample “${sampleName}”` : ""}.
          </p>
        </div>
      </div>
      <div className="snippet-tabs" role="tablist" aria-label="Language">
        {SNIPPET_LANGUAGES.map((l) => (
          <button
            key={l.id}
            type="button"
            role="tab"
            id={`${ids}-tab-${l.id}`}
            aria-selected={lang === l.id}
            aria-controls={`${ids}-panel`}
            className={`snippet-tab${lang === l.id ? " snippet-tab-active" : ""}`}
            onClick={() => setLang(l.id)}
          >
            {l.label}
          </button>
        ))}
        <div className="toolbar-spacer" />
        <CopyButton key={lang} text={text} label="Copy" ariaLabel={`Copy the ${lang} snippet`} testId={`copy-snippet-${lang}`} />
      </div>
      <div role="tabpanel" id={`${ids}-panel`} aria-labelledby={`${ids}-tab-${lang}`} className="snippet-panel">
        <pre className="code-block" data-testid={`snippet-${lang}`}>
          {text}
        </pre>
      </div>
    </section>
  );
}
