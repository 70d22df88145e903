import type { TPrisma } from "../../db/client.ts";
import type { TTraceEntry } from "../../engine/executor/execute.ts";
import { toJsonValue, type TJson } from "../../engine/values/to-json.ts";
import type { TEngineDeps } from "./engine-deps.ts";

export interface TInvocationRecord {
  pipelineId: string;
  versionNumber: number | null;
  alias: string | null;
  draftHash: string | null;
  source: "editor" | "rest" | "oip" | "batch";
  status: "ok" | "error";
  errorCode: string | null;
  errorNode: string | null;
  errorMessage: string | null;
  startedAt: Date;
  durationMs: number;
  trace: TTraceEntry[];
  inputs: Record<string, unknown>;
  outputs: Record<string, TJson> | null;
  userId: string | null;
  apiKeyId: string | null;
}

/** Writes the row and returns its id; the caller answers only after this resolves. */
export async function recordInvocation(db: TPrisma, engine: Pick<TEngineDeps, "payloadMaxBytes">, r: TInvocationRecord): Promise<string> {
  const inputs = capPayload(toJsonValue(r.inputs), engine.payloadMaxBytes);
  const outputs = r.outputs === null ? null : capPayload(r.outputs, engine.payloadMaxBytes);
  const row = await db.invocation.create({
    data: {
      pipelineId: r.pipelineId,
      versionNumber: r.versionNumber,
      alias: r.alias,
      draftHash: r.draftHash,
      source: r.source,
      status: r.status,
      errorCode: r.errorCode,
      errorNode: r.errorNode,
      errorMessage: r.errorMessage,
      startedAt: r.startedAt,
      durationMs: r.durationMs,
      trace: r.trace as unknown as TJson as object,
      inputs: inputs.value as object,
      ...(outputs ? { outputs: outputs.value as object } : {}),
      truncated: inputs.truncated || (outputs?.truncated ?? false),
      userId: r.userId,
      apiKeyId: r.apiKeyId,
    },
    select: { id: true },
  });
  return row.id;
}

/** Payloads over the cap are replaced by their size and a prefix, so one huge input cannot bloat the log. */
function capPayload(value: TJson, maxBytes: number): { value: TJson; truncated: boolean } {
  const text = JSON.stringify(value) ?? "null";
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return { value, truncated: false };
  return { value: { truncated: true, bytes, prefix: text.slice(0, Math.min(1024, maxBytes)) }, truncated: true };
}
