/** Mirrors the server's rule (server/services/pipelines/slug.ts) to suggest, never to enforce. */
export const SLUG_MAX = 63;

/** "Iris classifier (v2)" → "iris-classifier-v2" */
export function suggestSlug(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, SLUG_MAX)
    .replace(/-+$/, "");
}
