import { MemoryRunCache } from "../../engine/executor/run-cache.ts";

/**
 * One run cache per (user, pipeline) for editor test runs, bounded: at most MAX_CACHES caches of
 * MAX_ENTRIES node results each, least recently used dropped first. Process memory only: a cache miss
 * just re-executes, so replicas need not share it.
 */
const MAX_CACHES = 64;
const MAX_ENTRIES = 128;
const caches = new Map<string, MemoryRunCache>();

export function editorRunCache(userId: string, slug: string): MemoryRunCache {
  const key = `${userId}\0${slug}`;
  let c = caches.get(key);
  if (c) caches.delete(key);
  else c = new MemoryRunCache(MAX_ENTRIES);
  caches.set(key, c);
  while (caches.size > MAX_CACHES) caches.delete(caches.keys().next().value!);
  return c;
}
