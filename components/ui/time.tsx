import { formatDateTime, formatFull, toIso } from "./format";

/** A timestamp shown in the reader's locale, with the full date on hover. */
export function Time({ value }: { value: string | Date | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <time dateTime={toIso(value)} title={formatFull(value)}>
      {formatDateTime(value)}
    </time>
  );
}
