import type { Prisma } from "../../db/generated/client.ts";
import { AppError, isUniqueViolation } from "../../errors.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";
import type { TExpectation } from "./compare-outputs.ts";

const SELECT = { id: true, name: true, inputs: true, expected: true, createdAt: true, updatedAt: true } as const;

export async function listSamples({ db }: TActorDeps, slug: string) {
  const p = await findPipeline(db, slug);
  return db.sample.findMany({ where: { pipelineId: p.id }, orderBy: { name: "asc" }, select: SELECT });
}

export interface TSaveSampleInput {
  slug: string;
  /** Absent: create. */
  id?: string | undefined;
  name: string;
  inputs: Record<string, unknown>;
  expected?: Record<string, TExpectation> | null | undefined;
}

/** Creates or updates a named sample (name unique per pipeline). */
export async function saveSample({ db, actor }: TActorDeps, input: TSaveSampleInput) {
  assertRole(actor, "editor");
  const p = await findPipeline(db, input.slug);
  const data = { name: input.name, inputs: input.inputs as Prisma.InputJsonObject, expected: (input.expected ?? undefined) as Prisma.InputJsonObject | undefined };
  try {
    if (!input.id) return await db.sample.create({ data: { ...data, pipelineId: p.id, createdById: actor.id }, select: SELECT });
    const { count } = await db.sample.updateMany({ where: { id: input.id, pipelineId: p.id }, data: { ...data, ...(input.expected === null ? { expected: undefined } : {}) } });
    if (count === 0) throw new AppError("NOT_FOUND", "No such sample.", { id: input.id });
    return await db.sample.findUniqueOrThrow({ where: { id: input.id }, select: SELECT });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("INVALID_INPUT", `A sample named '${input.name}' already exists.`, { field: "name" }, { cause: e });
    throw e;
  }
}

export async function deleteSample({ db, actor }: TActorDeps, input: { slug: string; id: string }) {
  assertRole(actor, "editor");
  const p = await findPipeline(db, input.slug);
  const { count } = await db.sample.deleteMany({ where: { id: input.id, pipelineId: p.id } });
  if (count === 0) throw new AppError("NOT_FOUND", "No such sample.", { id: input.id });
  return { ok: true as const };
}
