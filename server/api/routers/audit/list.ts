import { z } from "zod";
import { listAudit } from "../../../services/audit/list-audit.ts";
import { protectedProcedure } from "../../trpc.ts";
import { ZSlug } from "../pipelines/schema.ts";

export const ZListAuditRequestSchema = z.object({ slug: ZSlug.optional(), limit: z.int().min(1).max(200).default(50), cursor: z.string().regex(/^\d+$/).optional() });

export const list = protectedProcedure.input(ZListAuditRequestSchema).query(({ ctx, input }) => listAudit(ctx.deps, input));
