import { AppError } from "../../errors.ts";

/** Slugs appear in API URLs (/api/v1/pipelines/{slug}/invoke): lowercase letters, digits and single hyphens. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SLUG_MAX = 63;

export function assertValidSlug(slug: string): void {
  if (slug.length === 0 || slug.length > SLUG_MAX || !SLUG_PATTERN.test(slug)) {
    throw new AppError(
      "INVALID_SLUG",
      `'${slug}' is not a valid slug: use 1-${SLUG_MAX} lowercase letters, digits and single hyphens (e.g. 'iris-classifier').`,
      { slug, pattern: SLUG_PATTERN.source },
    );
  }
}
