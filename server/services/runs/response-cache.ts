import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { TPlan } from "../../engine/compiler/compile.ts";
import { hashValue } from "../../engine/executor/run-cache.ts";
import type { TJson } from "../../engine/values/to-json.ts";
import { isTensor } from "../../engine/values/tensor.ts";

/** A pipeline's response cache setting (Pipeline.cacheEnabled / cacheTtlSeconds; pipelines.setCachePolicy). */
export interface TCachePolicy {
  enabled: boolean;
  ttlSeconds: number;
}

export const DEFAULT_CACHE_POLICY: TCachePolicy = { enabled: false, ttlSeconds: 300 };

/** What a hit answers with: the outputs as JSON (REST, the log) and as the engine made them (OIP binary). */
export interface TCachedResponse {
  outputs: Record<string, TJson>;
  values: Record<string, unknown>;
}

/**
 * Answers of published versions to inputs seen before, in memory (one per server process), LRU-evicted past
 * `maxBytes` and expired after the pipeline's TTL. The key is the version's content hash, a fingerprint of its
 * compiled plan (node types, params and resolved data such as each model's sha256) and the inputs' canonical
 * hash (JSON as RFC 8785, tensors and uploads by their bytes): equal key → equal answer, as long as every node
 * is deterministic (`isDeterministicPlan`). Entries are shared, never copied: callers must not mutate them.
 */
export class ResponseCache {
  readonly #lru: LRUCache<string, TCachedResponse & { bytes: number }>;
  #hits = 0;
  #misses = 0;

  constructor(readonly maxBytes: number) {
    this.#lru = new LRUCache({ maxSize: Math.max(1, maxBytes), sizeCalculation: (e) => Math.max(1, e.bytes), ttlAutopurge: false, allowStale: false });
  }

  /** The key of these inputs on this version, or null when they cannot be hashed (they are then never cached). */
  key(pipelineId: string, contentHash: string, plan: TPlan, inputs: Record<string, unknown>): string | null {
    try {
      const h = createHash("sha256");
      h.update(`${pipelineId}\0${contentHash}\0${planFingerprint(plan)}\0`);
      for (const name of Object.keys(inputs).sort()) {
        h.update(`${name}\0`);
        hashValue(h, inputs[name]);
        h.update("\0");
      }
      return h.digest("base64url");
    } catch {
      return null;
    }
  }

  get(key: string): TCachedResponse | undefined {
    const e = this.#lru.get(key);
    if (e) this.#hits++;
    else this.#misses++;
    return e;
  }

  /** Keeps an ok answer for `ttlSeconds`; one larger than a quarter of the cache is not kept. */
  set(key: string, entry: TCachedResponse, ttlSeconds: number): void {
    const bytes = responseBytes(entry);
    if (bytes > this.maxBytes / 4) return;
    this.#lru.set(key, { ...entry, bytes }, { ttl: ttlSeconds * 1000 });
  }

  stats() {
    return { entries: this.#lru.size, bytes: this.#lru.calculatedSize, maxBytes: this.maxBytes, hits: this.#hits, misses: this.#misses };
  }
}

/**
 * A plan is deterministic when all its nodes are (TNodeDefinition.deterministic, default true: the same inputs
 * give the same outputs — no randomness, clock or outside state). Only such versions are served from the cache.
 */
export function isDeterministicPlan(plan: TPlan): boolean {
  let d = DETERMINISTIC.get(plan);
  if (d === undefined) {
    d = [...plan.nodes.values()].every((n) => n.def.deterministic !== false);
    DETERMINISTIC.set(plan, d);
  }
  return d;
}

const DETERMINISTIC = new WeakMap<TPlan, boolean>();
const FINGERPRINTS = new WeakMap<TPlan, string>();

/** What the plan computes (computed once per compiled plan). */
function planFingerprint(plan: TPlan): string {
  let f = FINGERPRINTS.get(plan);
  if (f === undefined) {
    const h = createHash("sha256");
    for (const id of plan.order) {
      const n = plan.nodes.get(id)!;
      h.update(`${id}\0${n.type}\0${JSON.stringify(n.params) ?? ""}\0${JSON.stringify(n.resolved ?? null)}\0${JSON.stringify(n.inputs)}\0`);
    }
    f = h.digest("base64url");
    FINGERPRINTS.set(plan, f);
  }
  return f;
}

/** Roughly what an entry holds in memory: its JSON text (UTF-16) and the bytes of its tensors and byte values. */
function responseBytes(e: TCachedResponse): number {
  let bytes = 2 * (JSON.stringify(e.outputs)?.length ?? 0) + 256;
  for (const v of Object.values(e.values)) {
    if (isTensor(v)) bytes += v.dtype === "string" ? 2 * (JSON.stringify(v.data)?.length ?? 0) : (v.data as ArrayBufferView).byteLength;
    else if (v instanceof Uint8Array) bytes += v.byteLength;
  }
  return bytes;
}
