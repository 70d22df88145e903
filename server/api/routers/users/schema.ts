import { z } from "zod";
import { ZEmail, ZPassword } from "../auth/schema.ts";

export const ZRole = z.enum(["admin", "editor", "viewer"]);
export const ZCreateUserRequestSchema = z.object({ email: ZEmail, name: z.string().trim().max(100).default(""), password: ZPassword, role: ZRole });
export const ZSetUserRoleRequestSchema = z.object({ userId: z.uuid(), role: ZRole });
