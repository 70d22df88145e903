import type { TPrisma } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { TModelMetadata } from "../../engine/runtime/types.ts";
import type { TTx } from "../audit/record-audit.ts";

/**
 * Model names appear in pipeline graphs (`model/onnx@v1` params) and URLs: lowercase letters, digits,
 * '.', '_' and '-', 1–64 characters, starting and ending with a letter or digit.
 */
const MODEL_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;

export function assertModelName(name: string): void {
  if (!MODEL_NAME.test(name)) {
    throw new AppError(
      "INVALID_INPUT",
      `'${name.slice(0, 80)}' is not a valid model name: use 1-64 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit.`,
      { name: name.slice(0, 80), issues: [{ path: "name", message: "invalid model name" }] },
    );
  }
}

/** The model with this name, or NOT_FOUND. */
export async function findModel(db: TPrisma | TTx, name: string) {
  const m = await db.model.findUnique({ where: { name }, select: { id: true, name: true, description: true, versionCount: true, createdAt: true } });
  if (!m) throw new AppError("NOT_FOUND", `No model named '${name}'.`, { name });
  return m;
}

/** What a client sees of a model version (explicit select: never the bytes). */
export const VERSION_SELECT = {
  number: true,
  sha256: true,
  sizeBytes: true,
  metadata: true,
  labels: true,
  createdAt: true,
  createdById: true,
} as const;

interface TVersionRow {
  number: number;
  sha256: string;
  sizeBytes: number;
  metadata: unknown;
  labels: unknown;
  createdAt: Date;
  createdById: string | null;
}

export function toVersionView(v: TVersionRow) {
  return {
    number: v.number,
    sha256: v.sha256,
    sizeBytes: v.sizeBytes,
    metadata: v.metadata as TModelMetadata,
    labels: Array.isArray(v.labels) ? (v.labels as string[]) : null,
    createdAt: v.createdAt,
    createdById: v.createdById,
  };
}

export type TModelVersionView = ReturnType<typeof toVersionView>;
