import type { TModelRunner } from "../../engine/define-node.ts";

/** What running pipelines needs beyond the database: the model runtime and limits. */
export interface TEngineDeps {
  models: TModelRunner;
  /** Per-run deadline. */
  runTimeoutMs: number;
  /** Inputs/outputs larger than this (as JSON) are logged as a summary only. */
  payloadMaxBytes: number;
}
