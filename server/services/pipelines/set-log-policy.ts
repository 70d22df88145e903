import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import type { TLogPayloadMode } from "../invocations/payload-policy.ts";
import { findPipeline } from "./find-pipeline.ts";

export interface TSetLogPolicyInput {
  slug: string;
  payload: TLogPayloadMode;
  /** For `truncated`: KiB kept of the inputs, and of the outputs. */
  truncateKb?: number | undefined;
  /** Input/output fields stored as "[redacted]": top-level names or dotted paths. */
  redact: string[];
}

/** What the invocation log keeps of this pipeline's runs, from the next run on. Editors; audited. */
export async function setLogPolicy({ db, actor }: TActorDeps, input: TSetLogPolicyInput) {
  assertRole(actor, "editor");
  const redact = [...new Set(input.redact.map((r) => r.trim()).filter(Boolean))];
  return db.$transaction(async (tx) => {
    const p = await findPipeline(tx, input.slug);
    const updated = await tx.pipeline.update({
      where: { id: p.id },
      data: { logPayload: input.payload, ...(input.truncateKb !== undefined ? { logTruncateKb: input.truncateKb } : {}), logRedact: redact },
      select: { slug: true, logPayload: true, logTruncateKb: true, logRedact: true },
    });
    await recordAudit(tx, actor, "pipeline.logPolicy", p.id, { payload: updated.logPayload, truncateKb: updated.logTruncateKb, redact: updated.logRedact.join(", ") });
    return { slug: updated.slug, logPolicy: { payload: updated.logPayload, truncateKb: updated.logTruncateKb, redact: updated.logRedact } };
  });
}
