import { assertRole, type TActorDeps } from "../context.ts";

/**
 * The API keys a log row can name, for the Logs page's key filter: id, name and the public prefix only
 * (managing keys stays admin-only; the log already shows viewers which key made a call).
 */
export async function invocationKeyOptions({ db, actor }: TActorDeps) {
  assertRole(actor, "viewer");
  return db.apiKey.findMany({ select: { id: true, name: true, prefix: true, revokedAt: true }, orderBy: [{ name: "asc" }, { createdAt: "asc" }] });
}
