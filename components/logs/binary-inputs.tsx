import { formatBytes } from "@/components/models/model-format";

/**
 * Uploaded files in a logged call. The log keeps them as `{"$binary": {sha256, bytes, mediaType?, thumbnail?}}`
 * (server/services/invocations/payload-policy.ts), the thumbnail a small WebP data URL for images.
 */
export interface TLoggedBinary {
  /** Where it sits in the inputs: "photo", "batch.2". */
  path: string;
  sha256: string;
  bytes: number | null;
  mediaType: string | null;
  /** Only a WebP data URL: a caller can send a look-alike `$binary` object in JSON, whose URLs are not shown. */
  thumbnail: string | null;
}

const THUMBNAIL_URL = /^data:image\/webp;base64,[A-Za-z0-9+/]+={0,2}$/;

/** The `$binary` marker's contents, or null when `v` is not one. */
export function asBinary(v: unknown, path = ""): TLoggedBinary | null {
  if (v === null || typeof v !== "object" || Array.isArray(v) || !("$binary" in v)) return null;
  const b = (v as { $binary: unknown }).$binary;
  if (b === null || typeof b !== "object") return null;
  const { sha256, bytes, mediaType, thumbnail } = b as Record<string, unknown>;
  return {
    path,
    sha256: typeof sha256 === "string" ? sha256 : "",
    bytes: typeof bytes === "number" ? bytes : null,
    mediaType: typeof mediaType === "string" ? mediaType : null,
    thumbnail: typeof thumbnail === "string" && THUMBNAIL_URL.test(thumbnail) ? thumbnail : null,
  };
}

/** Every `$binary` in a recorded payload, in order, with its path. */
export function findBinaries(v: unknown, path = ""): TLoggedBinary[] {
  const here = asBinary(v, path);
  if (here) return [here];
  if (v === null || typeof v !== "object") return [];
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
  return entries.flatMap(([k, x]) => findBinaries(x, path ? `${path}.${k}` : k));
}

/** The payload with each thumbnail replaced by a short note, so the JSON view stays readable. */
export function elideThumbnails(v: unknown): unknown {
  const b = asBinary(v);
  if (b) {
    const raw = (v as { $binary: Record<string, unknown> }).$binary;
    return typeof raw.thumbnail === "string" ? { $binary: { ...raw, thumbnail: `(${formatBytes(raw.thumbnail.length)} data URL, shown above)` } } : v;
  }
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(elideThumbnails);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, elideThumbnails(x)]));
}

/** "image/jpeg, 10.6 KB" */
export function binaryLabel(b: TLoggedBinary): string {
  return `${b.mediaType ?? "file"}, ${b.bytes === null ? "size unknown" : formatBytes(b.bytes)}`;
}

/** The thumbnail at its own size (at most 64 px), or nothing. */
export function BinaryThumbnail({ binary }: { binary: TLoggedBinary }) {
  if (!binary.thumbnail) return null;
  return (
    // A data URL of a few hundred bytes at its natural size: next/image would add nothing.
    // eslint-disable-next-line @next/next/no-img-element
    <img className="image-preview" src={binary.thumbnail} alt={`Thumbnail of ${binary.path || "the input"} (${binaryLabel(binary)})`} data-testid="log-binary-thumbnail" style={{ verticalAlign: "middle" }} />
  );
}

/** Uploaded files of a logged call, above its JSON: thumbnail, name, type, size and hash. */
export function BinaryStrip({ value }: { value: unknown }) {
  const binaries = findBinaries(value);
  if (binaries.length === 0) return null;
  return (
    <ul aria-label="Binary inputs" data-testid="log-binary-inputs" style={{ listStyle: "none", margin: "0 0 12px", padding: 0, display: "flex", flexWrap: "wrap", gap: 12 }}>
      {binaries.map((b) => (
        <li key={b.path} style={{ display: "flex", alignItems: "center", gap: 8 }}>
          <BinaryThumbnail binary={b} />
          <span className="small">
            <code>{b.path}</code>
            <br />
            <span className="muted">{binaryLabel(b)}</span>
            <br />
            <span className="muted mono" title={b.sha256}>
              sha256 {b.sha256.slice(0, 12)}…
            </span>
          </span>
        </li>
      ))}
    </ul>
  );
}
