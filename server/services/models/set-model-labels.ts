import { Prisma } from "../../db/generated/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { findModel } from "./find-model.ts";

export interface TSetModelLabelsInput {
  name: string;
  version: number;
  /** Class names, index-aligned with the model's scores; null removes them. */
  labels: string[] | null;
}

/** Labels are the one mutable part of a model version: the bytes and signature never change. */
export async function setModelLabels({ db, actor }: TActorDeps, input: TSetModelLabelsInput) {
  assertRole(actor, "editor");
  return db.$transaction(async (tx) => {
    const m = await findModel(tx, input.name);
    const { count } = await tx.modelVersion.updateMany({
      where: { modelId: m.id, number: input.version },
      data: { labels: input.labels === null ? Prisma.DbNull : input.labels },
    });
    if (count === 0) throw new AppError("NOT_FOUND", `Model '${input.name}' has no version ${input.version}.`, { name: input.name, version: input.version });
    await recordAudit(tx, actor, "model.labels", null, { model: input.name, version: input.version, labels: input.labels?.length ?? null });
    return { name: input.name, version: input.version, labels: input.labels };
  });
}
