"use client";

import { useEffect, useRef, useState } from "react";
import "swagger-ui-dist/swagger-ui.css";
import { Alert } from "@/components/ui/alert";
import { LoadingBlock } from "@/components/ui/states";

/**
 * The generated OpenAPI document rendered by Swagger UI — its prebuilt browser bundle from swagger-ui-dist,
 * not swagger-ui-react: Turbopack drops a side-effect module of swagger-ui-react's dependencies and OpenAPI
 * 3.1 documents then never render (vercel/next.js#86507, swagger-api/swagger-ui#10599). The bundle is
 * self-contained (it carries its own React) and needs no network: it is served with the app's assets. It
 * is imported only when this component mounts, so its ~1.7 MB reaches the docs page alone.
 *
 * Swagger UI's own "Try it out" and Authorize are off: the page's Try-it panel calls the endpoint with the
 * key kept in memory, and the reference stays a read-only rendering of the contract.
 * Mount it with a `key` per document: each instance renders into a fresh node.
 */
export default function OpenApiReference({ spec }: { spec: object }) {
  const ref = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"loading" | "ready" | "failed">("loading");

  useEffect(() => {
    const container = ref.current;
    if (!container) return;
    let cancelled = false;
    const host = document.createElement("div");
    container.appendChild(host);
    import("swagger-ui-dist/swagger-ui-bundle.js").then(
      ({ default: SwaggerUIBundle }) => {
        if (cancelled) return;
        SwaggerUIBundle({
          domNode: host,
          spec,
          presets: [SwaggerUIBundle.presets.apis],
          layout: "BaseLayout",
          docExpansion: "list",
          defaultModelsExpandDepth: 1,
          defaultModelExpandDepth: 3,
          supportedSubmitMethods: [],
          validatorUrl: null,
          deepLinking: false,
          queryConfigEnabled: false,
        });
        setState("ready");
      },
      () => !cancelled && setState("failed"),
    );
    return () => {
      cancelled = true;
      host.remove();
    };
  }, [spec]);

  return (
    <div className="openapi-reference" data-testid="openapi-reference">
      {state === "loading" ? <LoadingBlock label="Loading the reference…" /> : null}
      {state === "failed" ? (
        <div className="card-body">
          <Alert tone="error" title="The reference viewer did not load">
            Reload the page to try again; the document itself is available with Copy JSON.
          </Alert>
        </div>
      ) : null}
      <div ref={ref} />
    </div>
  );
}
