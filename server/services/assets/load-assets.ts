import type { TPrisma } from "../../db/client.ts";
import type { TAssetInfo } from "../../engine/define-node.ts";
import type { TGraph } from "../../engine/graph/schema.ts";

const SHA256 = /^[0-9a-f]{64}$/;

/** Calls `found` with every {name, sha256} asset reference in a value (node params), sub-graphs (list/map) included. */
export function visitAssetRefs(v: unknown, found: (ref: { name: string; sha256: string }) => void): void {
  if (Array.isArray(v)) return v.forEach((x) => visitAssetRefs(x, found));
  if (v === null || typeof v !== "object") return;
  const o = v as Record<string, unknown>;
  if (typeof o.sha256 === "string" && SHA256.test(o.sha256) && typeof o.name === "string") found({ name: o.name, sha256: o.sha256 });
  Object.values(o).forEach((x) => visitAssetRefs(x, found));
}

/** Every {name, sha256} asset reference in the graph's node params, sub-graphs (list/map) included. */
export function assetRefs(graph: TGraph): Map<string, string> {
  const refs = new Map<string, string>();
  for (const n of graph.nodes) visitAssetRefs(n.params, (r) => refs.set(r.sha256, r.name));
  return refs;
}

/**
 * The asset bytes a graph refers to, by hash, for the compile env. By content hash, not by pipeline: a hash
 * names exactly one file, and a version keeps working after the asset's name is reused or removed.
 */
export async function loadAssets(db: TPrisma, graph: TGraph): Promise<Map<string, TAssetInfo>> {
  const refs = assetRefs(graph);
  const out = new Map<string, TAssetInfo>();
  if (refs.size === 0) return out;
  const blobs = await db.assetBlob.findMany({ where: { sha256: { in: [...refs.keys()] } }, select: { sha256: true, data: true, assets: { select: { mediaType: true }, take: 1 } } });
  for (const b of blobs) {
    out.set(b.sha256, { name: refs.get(b.sha256)!, sha256: b.sha256, mediaType: b.assets[0]?.mediaType ?? "application/octet-stream", bytes: new Uint8Array(b.data) });
  }
  return out;
}
