import type { TActorDeps } from "../context.ts";
import { findPipeline } from "../pipelines/find-pipeline.ts";

export async function listVersions({ db }: TActorDeps, slug: string) {
  const p = await findPipeline(db, slug);
  const versions = await db.pipelineVersion.findMany({
    where: { pipelineId: p.id },
    orderBy: { number: "desc" },
    select: { number: true, contentHash: true, message: true, authorId: true, createdAt: true, aliases: { select: { name: true } } },
  });
  const authorIds = [...new Set(versions.map((v) => v.authorId).filter((id): id is string => id !== null))];
  const authors = authorIds.length ? await db.user.findMany({ where: { id: { in: authorIds } }, select: { id: true, email: true } }) : [];
  const emails = new Map(authors.map((a) => [a.id, a.email]));
  return versions.map(({ authorId, aliases, ...v }) => ({
    ...v,
    author: authorId ? (emails.get(authorId) ?? null) : null,
    aliases: aliases.map((a) => a.name).sort(),
  }));
}
