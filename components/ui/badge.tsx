import type { ReactNode } from "react";

export type TBadgeTone = "neutral" | "accent" | "success" | "warning" | "danger";

export function Badge({ tone = "neutral", children, title, testId }: { tone?: TBadgeTone; children: ReactNode; title?: string; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title} data-testid={testId}>
      {children}
    </span>
  );
}

/** `production → v3` */
export function AliasBadge({ name, version }: { name: string; version?: number }) {
  return (
    <Badge tone={name === "production" ? "success" : "accent"} title={version ? `Alias ${name} points to version ${version}` : `Alias ${name}`} testId="alias-badge">
      {version ? `${name} → v${version}` : name}
    </Badge>
  );
}

export function RoleBadge({ role }: { role: string }) {
  return <span className={`badge badge-role badge-role-${role}`}>{role}</span>;
}
