import type { TServiceDeps } from "../context.ts";
import { runPipeline } from "../runs/run-pipeline.ts";
import type { TEngineDeps } from "../runs/engine-deps.ts";
import { compareOutputs, ZExpected, type TDifference } from "./compare-outputs.ts";

export interface TGateResult {
  passed: boolean;
  checked: number;
  failures: { sample: string; invocationId: string; error?: string; differences: TDifference[] }[];
}

/** Runs every sample that has expected outputs on one version and compares. Each run is logged. */
export async function runPublishGate(deps: TServiceDeps, engine: TEngineDeps, input: { pipelineId: string; slug: string; version: number }): Promise<TGateResult> {
  const samples = await deps.db.sample.findMany({ where: { pipelineId: input.pipelineId }, select: { name: true, inputs: true, expected: true }, orderBy: { name: "asc" } });
  const failures: TGateResult["failures"] = [];
  let checked = 0;
  for (const s of samples) {
    const expected = ZExpected.safeParse(s.expected);
    if (!expected.success || Object.keys(expected.data).length === 0) continue;
    checked++;
    const r = await runPipeline(deps, engine, { slug: input.slug, target: { version: input.version }, inputs: s.inputs as Record<string, unknown>, source: "batch" });
    if (r.status === "error") failures.push({ sample: s.name, invocationId: r.invocationId, error: r.error.message, differences: [] });
    else {
      const differences = compareOutputs(expected.data, r.outputs);
      if (differences.length) failures.push({ sample: s.name, invocationId: r.invocationId, differences });
    }
  }
  return { passed: failures.length === 0, checked, failures };
}
