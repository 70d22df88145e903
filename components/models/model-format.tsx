import type { TRouterOutputs } from "@/components/trpc/client";

export type TModelListItem = TRouterOutputs["models"]["list"][number];
export type TModelDetail = TRouterOutputs["models"]["get"];
export type TModelVersion = TModelDetail["versions"][number];
export type TTensor = TModelVersion["metadata"]["inputs"][number];

const UNITS = ["B", "KB", "MB", "GB"] as const;

/** 929 → "929 B", 1_500_000 → "1.4 MB" (binary multiples, as file managers show them). */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v < 10 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}

/** `[batch, 4]`; `?` for a dimension the model leaves open, `[…]` when even the rank is unknown. */
export function formatShape(shape: TTensor["shape"]): string {
  if (shape === null) return "[…]";
  return `[${shape.map((d) => (d === null ? "?" : String(d))).join(", ")}]`;
}

/** One tensor of a model's signature: name, dtype and shape. */
export function TensorChip({ t }: { t: TTensor }) {
  return (
    <span className="tensor" title={`${t.name}: ${t.dtype} ${formatShape(t.shape)}`}>
      <span className="tensor-name">{t.name}</span>
      <span className="tensor-type">
        {t.dtype} {formatShape(t.shape)}
      </span>
    </span>
  );
}

export function TensorList({ tensors }: { tensors: TTensor[] }) {
  if (tensors.length === 0) return <span className="subtle">—</span>;
  return (
    <div className="tensor-list">
      {tensors.map((t) => (
        <TensorChip key={t.name} t={t} />
      ))}
    </div>
  );
}
