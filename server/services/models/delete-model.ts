import type { TPrisma } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit, type TTx } from "../audit/record-audit.ts";
import { assertRole, type TActorDeps } from "../context.ts";
import { findModel } from "./find-model.ts";
import { lockBlob } from "./model-files.ts";

/**
 * Committed pipeline versions whose graph has a model node (`model/onnx@vN`) naming this model, any
 * version. Versions are immutable and may be served through an alias, so while one refers to the model
 * its bytes must stay. (Drafts are not checked: compiling a draft reports a missing model by node.)
 */
export async function pipelinesUsingModel(db: TPrisma | TTx, name: string): Promise<{ slug: string; version: number }[]> {
  return db.$queryRaw<{ slug: string; version: number }[]>`
    SELECT p."slug" AS slug, v."number" AS version
    FROM "PipelineVersion" v JOIN "Pipeline" p ON p."id" = v."pipelineId"
    WHERE jsonb_path_exists(
      v."graph",
      '$.** ? (@.type starts with "model/onnx@" && @.params.model == $name)',
      jsonb_build_object('name', ${name}::text))
    ORDER BY p."slug", v."number"`;
}

/**
 * Deletes a model with all its versions, and the stored bytes no other model version shares.
 * Refused with MODEL_IN_USE (naming the pipeline versions) while a committed pipeline version uses it.
 * Local cache files of freed hashes are left to the model cache's prune().
 */
export async function deleteModel({ db, actor }: TActorDeps, input: { name: string }) {
  assertRole(actor, "editor");
  return db.$transaction(
    async (tx) => {
      const m = await findModel(tx, input.name);
      // Same lock as uploads take: no version can be added while the model is being deleted.
      await tx.$queryRaw`SELECT "id" FROM "Model" WHERE "id" = ${m.id}::uuid FOR UPDATE`;
      const users = await pipelinesUsingModel(tx, input.name);
      if (users.length > 0) {
        const shown = users.slice(0, 5).map((u) => `${u.slug} v${u.version}`).join(", ");
        throw new AppError("MODEL_IN_USE", `Model '${input.name}' is used by ${users.length} pipeline version(s): ${shown}${users.length > 5 ? ", …" : ""}.`, {
          name: input.name,
          usedBy: users.slice(0, 100),
        });
      }
      const versions = await tx.modelVersion.findMany({ where: { modelId: m.id }, select: { sha256: true } });
      await tx.model.delete({ where: { id: m.id } }); // cascades to its versions
      let freedBlobs = 0;
      for (const sha256 of new Set(versions.map((v) => v.sha256))) {
        await lockBlob(tx, sha256);
        if ((await tx.modelVersion.count({ where: { sha256 } })) > 0) continue; // shared with another model
        await tx.modelBlob.delete({ where: { sha256 } });
        await tx.modelBlobChunk.deleteMany({ where: { sha256 } });
        freedBlobs++;
      }
      await recordAudit(tx, actor, "model.delete", null, { model: input.name, versions: versions.length, freedBlobs });
      return { name: input.name, deletedVersions: versions.length, freedBlobs };
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
}
