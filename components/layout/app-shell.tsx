"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, type ReactNode } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { errorCode, errorInfo } from "@/components/ui/errors";
import { LoadingBlock } from "@/components/ui/states";
import { AccountMenu } from "./account-menu";
import { Brand } from "./logo";
import { SessionContext, type TSessionUser } from "./session";

/** Frame of every signed-in page: resolves the session (or sends the visitor to sign-in/setup). */
export function AppShell({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const me = useQuery(trpc.auth.me.queryOptions());
  const signedOut = me.isError && errorCode(me.error) === "UNAUTHENTICATED";

  useEffect(() => {
    if (!signedOut) return;
    let cancelled = false;
    qc.fetchQuery(trpc.auth.setupStatus.queryOptions()).then(
      (s) => !cancelled && router.replace(s.needsSetup ? "/setup" : "/sign-in"),
      () => !cancelled && router.replace("/sign-in"),
    );
    return () => {
      cancelled = true;
    };
  }, [signedOut, qc, trpc, router]);

  if (me.data && !signedOut) {
    return (
      <SessionContext.Provider value={me.data}>
        <div className="app">
          <TopBar user={me.data} />
          <main className="page">{children}</main>
        </div>
      </SessionContext.Provider>
    );
  }
  if (me.isError && !signedOut) {
    return (
      <div className="page page-narrow">
        <Alert
          tone="error"
          title="Inferline could not load your session"
          actions={
            <button type="button" className="btn btn-secondary btn-sm" onClick={() => void me.refetch()}>
              Try again
            </button>
          }
        >
          {errorInfo(me.error).message}
        </Alert>
      </div>
    );
  }
  return <LoadingBlock label={signedOut ? "Redirecting to sign-in…" : "Loading…"} />;
}

function TopBar({ user }: { user: TSessionUser }) {
  const pathname = usePathname();
  const links = [
    { href: "/pipelines", label: "Pipelines" },
    { href: "/models", label: "Models" },
    { href: "/logs", label: "Logs" },
    { href: "/docs", label: "API docs" },
    ...(user.role === "admin" ? [{ href: "/api-keys", label: "API keys" }, { href: "/users", label: "Users" }] : []),
  ];
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <Link href="/pipelines" className="brand-link" aria-label="Inferline home">
          <Brand />
        </Link>
        <nav className="nav" aria-label="Main">
          {links.map((l) => {
            const active = pathname === l.href || pathname.startsWith(`${l.href}/`);
            return (
              <Link key={l.href} href={l.href} className={`nav-link${active ? " nav-link-active" : ""}`} aria-current={active ? "page" : undefined}>
                {l.label}
              </Link>
            );
          })}
        </nav>
        <div className="topbar-spacer" />
        <AccountMenu user={user} />
      </div>
    </header>
  );
}
