"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { AliasBadge } from "@/components/ui/badge";
import { errorInfo } from "@/components/ui/errors";
import { Time } from "@/components/ui/time";

/** Versions beside the canvas: open one read-only, compare it, restore it into the draft. */
export function VersionsSide({
  slug,
  canEdit,
  viewing,
  onOpen,
  onCompare,
  onRestore,
}: {
  slug: string;
  canEdit: boolean;
  viewing: number | null;
  onOpen: (n: number) => void;
  onCompare: (n: number) => void;
  onRestore: (n: number) => void;
}) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.versions.list.queryOptions({ slug }));
  if (versions.isPending) return <p className="muted small">Loading versions…</p>;
  if (versions.isError) return <p className="field-error">{errorInfo(versions.error).message}</p>;
  if (!versions.data.length) return <p className="muted small">No versions yet. Commit the draft to create version 1.</p>;
  return (
    <ul className="vlist" data-testid="versions-side">
      {versions.data.map((v) => (
        <li key={v.number} className={`vitem${viewing === v.number ? " vitem-active" : ""}`} data-testid={`vitem-${v.number}`}>
          <div className="vitem-head">
            <span className="version-tag">v{v.number}</span>
            <span className="vitem-message" title={v.message}>
              {v.message}
            </span>
          </div>
          <div className="vitem-meta muted small">
            {v.author ?? "—"} · <Time value={v.createdAt} />
            {v.aliases.length ? (
              <span className="badge-row vitem-aliases">
                {v.aliases.map((a) => (
                  <AliasBadge key={a} name={a} />
                ))}
              </span>
            ) : null}
          </div>
          <div className="vitem-actions">
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => onOpen(v.number)} aria-label={`Open version ${v.number}`}>
              Open
            </button>
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => onCompare(v.number)} aria-label={`Compare version ${v.number} with the draft`}>
              Compare
            </button>
            {canEdit ? (
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => onRestore(v.number)} aria-label={`Restore version ${v.number}`}>
                Restore
              </button>
            ) : null}
          </div>
        </li>
      ))}
    </ul>
  );
}
