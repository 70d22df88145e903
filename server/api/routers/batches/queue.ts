import { AppError } from "../../../errors.ts";
import type { TAppContext } from "../../context.ts";

/** The batch deps of a procedure's context (NOT_READY where this server has no batch queue). */
export function batchDeps(ctx: Pick<TAppContext, "db" | "batches">) {
  if (!ctx.batches) throw new AppError("NOT_READY", "Batch jobs are not available on this server.");
  return { db: ctx.db, queue: ctx.batches };
}
