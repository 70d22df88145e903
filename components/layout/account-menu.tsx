"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { RoleBadge } from "@/components/ui/badge";
import { initials } from "@/components/ui/format";
import type { TSessionUser } from "./session";

export function AccountMenu({ user }: { user: TSessionUser }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (rootRef.current && !rootRef.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSettled: () => {
        // Whatever the server said, this browser is done with the session: drop every cached answer.
        router.replace("/sign-in");
        qc.clear();
      },
    }),
  );

  const display = user.name.trim() || user.email;
  return (
    <div className="account" ref={rootRef}>
      <button
        type="button"
        className="account-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((o) => !o)}
        data-testid="account-menu"
      >
        <span className="avatar" aria-hidden="true">
          {initials(user.name, user.email)}
        </span>
        <span className="account-text">
          <span className="account-name">{display}</span>
          <span className="account-role">{user.role}</span>
        </span>
        <svg className="chevron" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <path d="M4 6l4 4 4-4" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      </button>
      {open ? (
        <div className="menu" role="menu" id={menuId} aria-label="Account">
          <div className="menu-header">
            <p className="menu-name">{display}</p>
            <p className="menu-email">{user.email}</p>
            <RoleBadge role={user.role} />
          </div>
          <div className="menu-separator" role="separator" />
          <button type="button" role="menuitem" className="menu-item" autoFocus disabled={signOut.isPending} onClick={() => signOut.mutate()}>
            <svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true">
              <path d="M6 2.5H3.5v11H6M10 5l3 3-3 3M13 8H6" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
            {signOut.isPending ? "Signing out…" : "Sign out"}
          </button>
        </div>
      ) : null}
    </div>
  );
}
