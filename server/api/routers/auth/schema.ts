import { z } from "zod";
import { PASSWORD_MAX, PASSWORD_MIN } from "../../../auth/password.ts";

export const ZEmail = z.email("Enter a valid email address").max(254);
export const ZPassword = z.string().min(PASSWORD_MIN, `Passwords are at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX);

export const ZSetupRequestSchema = z.object({ email: ZEmail, name: z.string().trim().max(100).default(""), password: ZPassword });
export type TSetupRequest = z.infer<typeof ZSetupRequestSchema>;

export const ZSignInRequestSchema = z.object({ email: z.string().max(254), password: z.string().max(PASSWORD_MAX) });
export type TSignInRequest = z.infer<typeof ZSignInRequestSchema>;
