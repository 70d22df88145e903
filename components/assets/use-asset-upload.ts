"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTRPC, type TRouterOutputs } from "@/components/trpc/client";
import { uploadError, uploadFile } from "@/components/ui/upload";

export type TAsset = TRouterOutputs["assets"]["list"][number];

/** What POST /api/assets answers (server/http/asset-upload.ts). */
export interface TUploadedAsset {
  name: string;
  sha256: string;
  sizeBytes: number;
  mediaType: string;
  created: boolean;
}

/** The server's limit (ASSET_MAX_BYTES): checked here too, so a file that is too large is not sent at all. */
export const ASSET_MAX_BYTES = 16 * 1024 * 1024;

/** Same rule as the server (services/assets/manage-assets.ts), so a chosen file's name is made acceptable before it is sent. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** "My Vocab (1).txt" → "My-Vocab-1-.txt": a file name the server takes (a name is never a path). */
export function suggestAssetName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? "";
  if (ASSET_NAME.test(base)) return base;
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 128);
  return cleaned || "asset";
}

export interface TAssetUploadState {
  /** The upload in flight: the name it goes under and the fraction sent. */
  uploading: { name: string; progress: number } | null;
  /** The last refusal (the problem+json's detail) or network failure. */
  error: string | null;
  /** The last upload that was stored (or found: same bytes). */
  done: TUploadedAsset | null;
  /** Uploads `file` under `name` (default: from the file's name); another file under an existing name replaces it. */
  start: (file: File, name?: string) => void;
  cancel: () => void;
}

/**
 * Uploads a pipeline asset to `POST /api/assets` with progress (the shared XMLHttpRequest helper the model picker
 * and the Batches tab use), then refreshes the pipeline's asset list. Used by the Assets tab and the node picker.
 */
export function useAssetUpload(slug: string, onUploaded?: (asset: TUploadedAsset) => void): TAssetUploadState {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [uploading, setUploading] = useState<TAssetUploadState["uploading"]>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<TUploadedAsset | null>(null);
  const xhr = useRef<XMLHttpRequest | null>(null);
  // The callback of the latest render: an upload outlives the render that started it.
  const uploaded = useRef(onUploaded);
  useEffect(() => {
    uploaded.current = onUploaded;
  });

  function start(file: File, name = suggestAssetName(file.name)) {
    if (xhr.current) return; // one at a time
    setDone(null);
    if (file.size > ASSET_MAX_BYTES) return setError(`${file.name} is larger than the 16 MiB assets may be.`);
    setError(null);
    setUploading({ name, progress: 0 });
    xhr.current = uploadFile<Partial<TUploadedAsset>>(`/api/assets?slug=${encodeURIComponent(slug)}&name=${encodeURIComponent(name)}`, file, {
      onProgress: (progress) => setUploading({ name, progress }),
      onFailure: (aborted) => {
        xhr.current = null;
        setUploading(null);
        if (!aborted) setError("The upload failed: the server could not be reached (or closed the connection: the file may be over the size limit).");
      },
      onAnswer: (status, body) => {
        xhr.current = null;
        setUploading(null);
        if ((status === 200 || status === 201) && typeof body.sha256 === "string") {
          const asset = body as TUploadedAsset;
          setDone(asset);
          void qc.invalidateQueries(trpc.assets.list.queryFilter({ slug }));
          uploaded.current?.(asset);
        } else setError(uploadError(status, body));
      },
    });
  }

  return { uploading, error, done, start, cancel: () => xhr.current?.abort() };
}
