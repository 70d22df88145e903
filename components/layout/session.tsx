"use client";

import { createContext, useContext } from "react";

export type TRole = "admin" | "editor" | "viewer";

export interface TSessionUser {
  id: string;
  email: string;
  name: string;
  role: TRole;
}

export const SessionContext = createContext<TSessionUser | null>(null);

/** The signed-in user; only valid inside the app shell. */
export function useSessionUser(): TSessionUser {
  const user = useContext(SessionContext);
  if (!user) throw new Error("useSessionUser() outside the app shell");
  return user;
}

/** Editors and admins change pipelines; viewers only read. The server checks again. */
export function canEdit(user: TSessionUser): boolean {
  return user.role === "admin" || user.role === "editor";
}
