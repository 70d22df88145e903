import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { TGraph } from "./schema.ts";

/**
 * Content address of a graph: SHA-256 of its RFC 8785 (JCS) canonical JSON, so key order and number
 * formatting never change the hash. Layout is not part of it: moving a node is not a change.
 */
export function graphContentHash(graph: TGraph): string {
  const text = canonicalize(graph);
  if (text === undefined) throw new Error("graph is not serialisable");
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}
