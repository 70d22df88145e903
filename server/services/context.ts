import type { TPrisma } from "../db/client.ts";
import type { Role } from "../db/generated/enums.ts";
import { AppError } from "../errors.ts";

export type TRole = Role;

/** The signed-in user a service acts for. */
export interface TActor {
  id: string;
  email: string;
  name: string;
  role: TRole;
}

/** What every service receives: the database and, for protected use cases, the actor. */
export interface TServiceDeps {
  db: TPrisma;
}
export interface TActorDeps extends TServiceDeps {
  actor: TActor;
}

const RANK: Record<TRole, number> = { viewer: 0, editor: 1, admin: 2 };

/** viewer < editor < admin. Viewers are read-only; editors change pipelines; admins also manage users. */
export function assertRole(actor: TActor, minimum: TRole): void {
  if (RANK[actor.role] < RANK[minimum]) {
    throw new AppError("FORBIDDEN", `This needs the ${minimum} role; you are ${actor.role === "admin" ? "an" : "a"} ${actor.role}.`, {
      required: minimum,
      role: actor.role,
    });
  }
}
