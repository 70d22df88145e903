import type { ReactNode } from "react";
import { Brand } from "@/components/layout/logo";

/** The centred card the signed-out pages (setup, sign-in) live in. */
export function AuthFrame({ title, subtitle, children, footer }: { title: string; subtitle?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  return (
    <div className="auth-page">
      <div className="auth-column">
        <div className="auth-brand">
          <Brand />
        </div>
        <main className="auth-card">
          <h1 className="auth-title">{title}</h1>
          {subtitle ? <p className="auth-subtitle">{subtitle}</p> : null}
          {children}
        </main>
        {footer ? <div className="auth-footer">{footer}</div> : null}
      </div>
    </div>
  );
}
