"use client";

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC, type TRouterOutputs } from "@/components/trpc/client";
import { TextField } from "@/components/ui/field";
import { useInvalidatePipelines } from "../use-invalidate";
import { SettingsFormFooter } from "./settings-form-footer";

type TPolicy = TRouterOutputs["pipelines"]["get"]["cachePolicy"];

const MAX_TTL = 7 * 24 * 3600;

/**
 * The response cache of this pipeline's published calls (REST, OIP, batch rows): the same inputs on the same
 * version are answered from memory for the TTL — still logged (marked `cached`) and counted. Never drafts, and
 * never versions with a node that is not deterministic.
 */
export function CachePolicyPanel({ slug, policy, editable }: { slug: string; policy: TPolicy; editable: boolean }) {
  const trpc = useTRPC();
  const invalidate = useInvalidatePipelines();
  const [enabled, setEnabled] = useState(policy.enabled);
  const [ttl, setTtl] = useState(String(policy.ttlSeconds));
  const [ttlError, setTtlError] = useState<string | undefined>();
  const [done, setDone] = useState(false);
  const save = useMutation(
    trpc.pipelines.setCachePolicy.mutationOptions({
      onSuccess: async () => {
        setDone(true);
        await invalidate();
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    save.reset();
    const n = Number(ttl);
    const bad = !Number.isInteger(n) || n < 1 || n > MAX_TTL;
    setTtlError(bad ? `A whole number of seconds, 1 to ${MAX_TTL} (7 days).` : undefined);
    if (bad) return;
    save.mutate({ slug, enabled, ttlSeconds: n });
  }

  return (
    <section className="card" aria-labelledby="cache-policy-title" data-testid="cache-policy-panel">
      <div className="card-header">
        <div>
          <h2 className="card-title" id="cache-policy-title">
            Response cache
          </h2>
          <p className="card-subtitle">Answer repeated calls from memory instead of running the pipeline again.</p>
        </div>
      </div>
      <form className="card-body card-body-top stack" onSubmit={onSubmit} noValidate data-testid="cache-policy-form">
        <label className="checkbox">
          <input type="checkbox" checked={enabled} disabled={!editable} onChange={(e) => setEnabled(e.target.checked)} data-testid="cache-enabled" />
          Cache answers of published versions
        </label>
        <TextField
          label="Keep each answer for (seconds)"
          inputMode="numeric"
          value={ttl}
          disabled={!editable || !enabled}
          error={ttlError}
          onChange={(e) => setTtl(e.target.value)}
          data-testid="cache-ttl"
        />
        <p className="muted small">
          A call is answered from the cache when the same version got the same inputs (compared exactly; files by their bytes) within that time, on the same
          server. It is still logged, marked <strong>cached</strong>, and counted in the metrics. Drafts and the publish checks always run; so does any version
          with a node whose output is not a function of its inputs.
        </p>
        <SettingsFormFooter
          testId="cache-policy"
          error={save.error}
          saved={done ? (enabled ? "Repeated calls are answered from the cache from now on." : "Every call runs the pipeline from now on.") : null}
          pending={save.isPending}
          editable={editable}
          label="Save cache setting"
        />
      </form>
    </section>
  );
}
