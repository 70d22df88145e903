"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { useTRPC } from "@/components/trpc/client";

/** After a write: refetch everything a pipeline change can affect (lists, versions, aliases, activity). */
export function useInvalidatePipelines() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  return useCallback(
    () =>
      Promise.all([
        qc.invalidateQueries(trpc.pipelines.pathFilter()),
        qc.invalidateQueries(trpc.versions.list.pathFilter()),
        qc.invalidateQueries(trpc.aliases.pathFilter()),
        qc.invalidateQueries(trpc.audit.pathFilter()),
      ]),
    [trpc, qc],
  );
}
