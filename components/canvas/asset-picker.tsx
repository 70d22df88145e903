"use client";

import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { useAssetUpload } from "@/components/assets/use-asset-upload";
import { formatBytes } from "@/components/models/model-format";
import { useTRPC } from "@/components/trpc/client";
import { shortHash } from "@/components/ui/format";
import { UploadProgress } from "@/components/ui/upload-progress";
import { resolveRef, type TSchema } from "./params-form";
import type { TJsonValue } from "./types";

export interface TAssetRef {
  name: string;
  sha256: string;
}

/** A node param that refers to a pipeline asset: `zAssetRef` ({name, sha256}) as zod's JSON Schema writes it. */
export function isAssetRefSchema(schema: TSchema, root: TSchema): boolean {
  const s = resolveRef(schema, root);
  const keys = Object.keys(s.properties ?? {});
  return s.type === "object" && keys.length === 2 && keys.includes("name") && s.properties?.sha256?.pattern === "^[0-9a-f]{64}$";
}

function asRef(v: TJsonValue | undefined): TAssetRef | null {
  if (!v || typeof v !== "object" || Array.isArray(v)) return null;
  return typeof v.name === "string" && typeof v.sha256 === "string" ? { name: v.name, sha256: v.sha256 } : null;
}

/**
 * An asset param in the inspector: a select of the pipeline's assets (each name's latest file), the file the node
 * points at when it is an earlier one (with a switch to the latest) or one no longer listed, and an upload that
 * points the node at the new file. Replaces the generated form's JSON box for {name, sha256}.
 */
export function AssetPicker({
  slug,
  label,
  description,
  required,
  value,
  readOnly,
  error,
  onChange,
}: {
  slug: string;
  label: string;
  description?: string | undefined;
  required: boolean;
  value: TJsonValue | undefined;
  readOnly: boolean;
  error?: string | undefined;
  onChange: (next: TAssetRef | undefined) => void;
}) {
  const trpc = useTRPC();
  const selectId = useId();
  const assets = useQuery(trpc.assets.list.queryOptions({ slug }));
  const upload = useAssetUpload(slug, (a) => onChange({ name: a.name, sha256: a.sha256 }));
  const ref = asRef(value);
  const named = ref ? assets.data?.find((a) => a.name === ref.name) : undefined;
  const isLatest = !!ref && named?.sha256 === ref.sha256;
  const file = ref ? (isLatest ? named : named?.history.find((h) => h.sha256 === ref.sha256)) : undefined;
  // The latest file of a name is chosen by its name; anything else by name and hash.
  const current = !ref ? "" : isLatest ? ref.name : `${ref.name}@${ref.sha256}`;

  return (
    <div className={`field pfield asset-picker${error ? " field-invalid" : ""}`} data-testid="asset-picker-field">
      <div className="field-label-row">
        <label className="field-label" htmlFor={selectId}>
          {label}
        </label>
        {required ? null : <span className="pfield-optional">optional</span>}
      </div>
      <select
        id={selectId}
        className="input select"
        value={current}
        disabled={readOnly || assets.isPending}
        data-testid="asset-picker"
        aria-invalid={error ? true : undefined}
        onChange={(e) => {
          if (e.target.value === "") return onChange(undefined);
          const a = assets.data?.find((x) => x.name === e.target.value);
          if (a) onChange({ name: a.name, sha256: a.sha256 });
        }}
      >
        {!ref || !required ? <option value="">{assets.isPending ? "Loading assets…" : required ? "Choose an asset…" : "None"}</option> : null}
        {ref && !isLatest ? <option value={current}>{named ? `${ref.name} · earlier file ${shortHash(ref.sha256)}` : assets.isPending ? ref.name : `${ref.name} (not among the assets)`}</option> : null}
        {assets.data?.map((a) => (
          <option key={a.name} value={a.name}>
            {a.name}
          </option>
        ))}
      </select>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : (
        <p className="field-hint" data-testid="asset-picker-hint">
          {ref && file ? `${formatBytes(file.sizeBytes)} · sha256 ${shortHash(ref.sha256)}. ` : ""}
          {ref && !named && !assets.isPending ? "This file is no longer listed; versions and runs keep using it by its hash. " : ""}
          {assets.data?.length === 0 ? "The pipeline has no assets yet: upload one here or in the Assets tab. " : ""}
          {description ?? ""}
        </p>
      )}
      {ref && named && !isLatest && !readOnly ? (
        <div className="note note-warning" data-testid="asset-picker-newer">
          This node uses an earlier file; the latest {ref.name} is {formatBytes(named.sizeBytes)}, sha256 {shortHash(named.sha256)}.{" "}
          <button type="button" className="btn btn-secondary btn-sm" onClick={() => onChange({ name: named.name, sha256: named.sha256 })} data-testid="asset-picker-latest">
            Use the latest file
          </button>
        </div>
      ) : null}
      {!readOnly ? (
        <div className="button-row">
          <label className="btn btn-ghost btn-sm file-button">
            Upload a new file…
            <input
              type="file"
              className="sr-only"
              data-testid="asset-picker-upload"
              disabled={upload.uploading !== null}
              onChange={(e) => {
                const f = e.target.files?.[0];
                e.target.value = "";
                if (f) upload.start(f);
              }}
            />
          </label>
          {upload.uploading ? (
            <button type="button" className="btn btn-ghost btn-sm" onClick={upload.cancel}>
              Cancel
            </button>
          ) : null}
        </div>
      ) : null}
      {upload.uploading ? <UploadProgress progress={upload.uploading.progress} sentText="Storing…" /> : null}
      {upload.error ? (
        <p className="field-error" role="alert" data-testid="asset-picker-error">
          {upload.error}
        </p>
      ) : null}
    </div>
  );
}
