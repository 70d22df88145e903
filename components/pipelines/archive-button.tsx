"use client";

import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { errorInfo } from "@/components/ui/errors";
import { useInvalidatePipelines } from "./use-invalidate";

/** Archive / Unarchive toggle; errors show as the button's tooltip and an inline line. */
export function ArchiveButton({ slug, name, archived, size = "sm" }: { slug: string; name: string; archived: boolean; size?: "sm" | "md" }) {
  const trpc = useTRPC();
  const invalidate = useInvalidatePipelines();
  const archive = useMutation(trpc.pipelines.archive.mutationOptions({ onSuccess: () => invalidate() }));
  const label = archived ? "Unarchive" : "Archive";
  return (
    <span className="inline-action">
      <button
        type="button"
        className={`btn btn-secondary${size === "sm" ? " btn-sm" : ""}`}
        disabled={archive.isPending}
        aria-label={`${label} ${name}`}
        onClick={() => archive.mutate({ slug, archived: !archived })}
      >
        {archive.isPending ? (archived ? "Unarchiving…" : "Archiving…") : label}
      </button>
      {archive.error ? (
        <span className="inline-error" role="alert">
          {errorInfo(archive.error).message}
        </span>
      ) : null}
    </span>
  );
}
