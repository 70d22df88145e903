/**
 * Turning `invocations.stats` answers into chart series (no React): the server omits empty buckets, the
 * charts need one point per bucket so that time is evenly spaced and quiet periods show as zero requests
 * and as gaps in latency.
 */

export type TRangeId = "1h" | "24h" | "7d";

export interface TRange {
  id: TRangeId;
  label: string;
  /** "last hour" etc., for sentences. */
  phrase: string;
  bucket: "minute" | "hour";
  /** Number of buckets shown, the current (partial) one included. */
  buckets: number;
}

export const RANGES: readonly TRange[] = [
  { id: "1h", label: "1 h", phrase: "the last hour", bucket: "minute", buckets: 60 },
  { id: "24h", label: "24 h", phrase: "the last 24 hours", bucket: "hour", buckets: 24 },
  { id: "7d", label: "7 d", phrase: "the last 7 days", bucket: "hour", buckets: 24 * 7 },
];

export const BUCKET_MS = { minute: 60_000, hour: 3_600_000 } as const;

/**
 * The window for a range at `now`, aligned to the server's epoch-aligned buckets: it ends where the current
 * bucket ends, so the query key only changes when a new bucket starts (refetches in between refresh it).
 */
export function rangeWindow(range: TRange, now: number): { from: number; to: number; step: number } {
  const step = BUCKET_MS[range.bucket];
  const to = (Math.floor(now / step) + 1) * step;
  return { from: to - range.buckets * step, to, step };
}

export interface TStatsBucket {
  bucketStart: number;
  count: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface TPoint {
  t: number;
  count: number;
  ok: number;
  errors: number;
  /** Percent; null when the bucket had no finished runs (a gap, not 0 %). */
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One point per bucket in [from, to); buckets the server left out are empty. */
export function fillSeries(buckets: readonly TStatsBucket[], from: number, to: number, step: number): TPoint[] {
  const byStart = new Map(buckets.map((b) => [b.bucketStart, b]));
  const points: TPoint[] = [];
  for (let t = from; t < to; t += step) {
    const b = byStart.get(t);
    points.push(
      b && b.count > 0
        ? { t, count: b.count, ok: b.count - b.errors, errors: b.errors, errorRate: (100 * b.errors) / b.count, p50: b.p50Ms, p95: b.p95Ms, p99: b.p99Ms }
        : { t, count: 0, ok: 0, errors: 0, errorRate: null, p50: null, p95: null, p99: null },
    );
  }
  return points;
}

export interface TSummary {
  requests: number;
  errors: number;
  /** Percent, null without requests. */
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/**
 * Totals over the range. The server gives percentiles per bucket only, so the range's are estimated: the
 * q-th percentile of the buckets' own q-th percentiles, each bucket weighted by its number of runs. Exact
 * when the runs fall in one bucket; otherwise close for steady traffic and smoothed for bursty traffic.
 */
export function summarize(buckets: readonly TStatsBucket[]): TSummary {
  const requests = buckets.reduce((n, b) => n + b.count, 0);
  const errors = buckets.reduce((n, b) => n + b.errors, 0);
  return {
    requests,
    errors,
    errorRate: requests > 0 ? (100 * errors) / requests : null,
    p50: weightedPercentile(buckets, 0.5, (b) => b.p50Ms),
    p95: weightedPercentile(buckets, 0.95, (b) => b.p95Ms),
    p99: weightedPercentile(buckets, 0.99, (b) => b.p99Ms),
  };
}

function weightedPercentile(buckets: readonly TStatsBucket[], q: number, value: (b: TStatsBucket) => number | null): number | null {
  const items = buckets.flatMap((b) => {
    const v = value(b);
    return v === null || b.count <= 0 ? [] : [{ v, w: b.count }];
  });
  if (items.length === 0) return null;
  items.sort((a, b) => a.v - b.v);
  const total = items.reduce((n, i) => n + i.w, 0);
  let seen = 0;
  for (const i of items) {
    seen += i.w;
    if (seen >= q * total) return i.v;
  }
  return items[items.length - 1]!.v;
}

/** Indices of points with a value whose neighbours have none: a line cannot draw them, a dot must. */
export function isolatedPoints(values: readonly (number | null)[]): Set<number> {
  const out = new Set<number>();
  values.forEach((v, i) => {
    if (v !== null && (values[i - 1] ?? null) === null && (values[i + 1] ?? null) === null) out.add(i);
  });
  return out;
}

/**
 * X-axis ticks on round times of the reader's clock: every 10 minutes over an hour, every 3 hours over a day,
 * at midnight over a week. (Evenly spaced bucket labels would land on 04:43, 04:50…)
 */
export function timeTicks(times: readonly number[], range: TRangeId): number[] {
  return times.filter((t) => {
    const d = new Date(t);
    if (range === "1h") return d.getMinutes() % 10 === 0;
    if (range === "24h") return d.getMinutes() === 0 && d.getHours() % 3 === 0;
    return d.getMinutes() === 0 && d.getHours() === 0;
  });
}

/** A round top for a percent axis, and its five ticks: 0–4, 0–8, 0–20, 0–40 or 0–100. */
export function percentAxis(max: number): number[] {
  const top = [4, 8, 20, 40].find((m) => max <= m) ?? 100;
  return [0, top / 4, top / 2, (3 * top) / 4, top];
}

export function formatPercent(p: number | null): string {
  if (p === null) return "—";
  if (p === 0) return "0%";
  if (p < 0.1) return "<0.1%";
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

export function formatCount(n: number): string {
  return new Intl.NumberFormat("en").format(n);
}
