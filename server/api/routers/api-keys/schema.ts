import { z } from "zod";

export const ZCreateApiKeyRequestSchema = z.object({
  name: z.string().trim().min(1, "Name the key (who uses it, for what)").max(100),
  pipelines: z.array(z.string().max(200)).max(500).default([]),
  expiresAt: z.coerce.date().nullish(),
  rateLimitPerMinute: z.int().min(1).max(1_000_000).nullish(),
});
export const ZApiKeyIdSchema = z.object({ id: z.uuid() });
export const ZRotateApiKeyRequestSchema = z.object({ id: z.uuid(), overlapMinutes: z.int().min(0).max(60 * 24 * 30).default(60) });
