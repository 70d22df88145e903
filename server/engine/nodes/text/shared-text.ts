import { NodeInputError } from "../../errors.ts";
import { formatKind, kinds, type TKind } from "../../types/kinds.ts";
import type { TNodeIssue } from "../../define-node.ts";

/** A string or a list of strings on `port`: the texts, and whether they came as a list (a batch). */
export function textsInput(inputs: Record<string, unknown>, port: string): { texts: string[]; batched: boolean } {
  const v = inputs[port];
  if (typeof v === "string") return { texts: [v], batched: false };
  if (Array.isArray(v)) {
    v.forEach((s, i) => {
      if (typeof s !== "string") throw new NodeInputError(`item ${i} is not a string`, port);
    });
    return { texts: v as string[], batched: true };
  }
  throw new NodeInputError(`expected a string or a list of strings, got ${v === null ? "null" : typeof v}`, port);
}

/** KIND_MISMATCH unless the connected kind can be a string or a list of strings. */
export function textKindIssues(port: string, k: TKind | undefined): TNodeIssue[] {
  if (!k || k.kind === "any" || k.kind === "json" || k.kind === "string") return [];
  if (k.kind === "list" && (k.of.kind === "string" || k.of.kind === "any" || k.of.kind === "json")) return [];
  return [{ code: "KIND_MISMATCH", port, message: `expects a string or a list of strings, got ${formatKind(k)}`, expected: "string | list<string>", actual: formatKind(k) }];
}

export const TEXT_KIND = kinds.any();
