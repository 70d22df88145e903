import { createHash, type Hash } from "node:crypto";
import canonicalize from "canonicalize";
import { isTensor } from "../values/tensor.ts";
import type { TPlan } from "../compiler/compile.ts";

/**
 * Node outputs cached by content: a node's key hashes its type, params, resolved data (e.g. the model's
 * sha256) and the keys of what feeds it; an input node's key hashes the value it was given. Equal key →
 * equal outputs (nodes are deterministic), so a re-run after an edit re-executes only what changed.
 */
export interface TRunCache {
  get(key: string): Record<string, unknown> | undefined;
  set(key: string, outputs: Record<string, unknown>): void;
}

/** A small LRU; one per editor session/pipeline is plenty. */
export class MemoryRunCache implements TRunCache {
  readonly #map = new Map<string, Record<string, unknown>>();
  constructor(private readonly maxEntries = 256) {}
  get(key: string) {
    const v = this.#map.get(key);
    if (v) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }
  set(key: string, outputs: Record<string, unknown>) {
    this.#map.delete(key);
    this.#map.set(key, outputs);
    while (this.#map.size > this.maxEntries) this.#map.delete(this.#map.keys().next().value!);
  }
  get size() {
    return this.#map.size;
  }
}

/** Keys for every node of a plan, given the values provided to its input nodes (topological order). */
export function nodeKeys(plan: TPlan, provided: ReadonlyMap<string, unknown>): Map<string, string> {
  const keys = new Map<string, string>();
  for (const id of plan.order) {
    const node = plan.nodes.get(id)!;
    const h = createHash("sha256");
    h.update(`${node.type}\0${canonicalize(node.params) ?? ""}\0${JSON.stringify(node.resolved ?? null)}\0`);
    for (const port of Object.keys(node.inputs).sort()) {
      const src = node.inputs[port]!;
      h.update(`${port}=${keys.get(src.node)}:${src.port}\0`);
    }
    if (provided.has(id)) hashValue(h, provided.get(id));
    keys.set(id, h.digest("hex"));
  }
  return keys;
}

/** Feeds one value into a hash: tensors by dtype, shape and bytes; bytes as bytes; anything else as canonical JSON (RFC 8785). */
export function hashValue(h: Hash, v: unknown): void {
  if (isTensor(v)) {
    h.update(`tensor:${v.dtype}:${v.shape.join("x")}:`);
    if (v.dtype === "string") h.update(JSON.stringify(v.data));
    else {
      const d = v.data as ArrayBufferView;
      h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
  } else if (v instanceof Uint8Array) {
    h.update("bytes:");
    h.update(v);
  } else if (typeof v === "symbol") h.update(`symbol:${String(v)}`);
  else h.update(`json:${canonicalize(v as object) ?? "undefined"}`);
}
