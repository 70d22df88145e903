import { describe, expect, it } from "vitest";
import { fillSeries, formatPercent, isolatedPoints, percentAxis, RANGES, rangeWindow, summarize, timeTicks } from "../../components/dashboard/series.ts";

const MIN = 60_000;
const bucket = (minute: number, count: number, errors: number, p50: number, p95 = p50, p99 = p95) => ({
  bucketStart: minute * MIN,
  count,
  errors,
  p50Ms: p50,
  p95Ms: p95,
  p99Ms: p99,
});

describe("dashboard series", () => {
  it("aligns the window to buckets and ends it with the current one", () => {
    const hour = RANGES.find((r) => r.id === "1h")!;
    const w = rangeWindow(hour, 100 * MIN + 12_345);
    expect(w).toEqual({ from: 41 * MIN, to: 101 * MIN, step: MIN });
    // Same bucket, same window: the query key does not change between refetches.
    expect(rangeWindow(hour, 100 * MIN + 59_999)).toEqual(w);
    const week = RANGES.find((r) => r.id === "7d")!;
    const ww = rangeWindow(week, Date.UTC(2026, 0, 8, 10, 30));
    expect((ww.to - ww.from) / ww.step).toBe(168);
    expect(ww.to).toBe(Date.UTC(2026, 0, 8, 11));
  });

  it("fills the buckets the server omits: zero requests, gaps in rates and latency", () => {
    const points = fillSeries([bucket(2, 4, 1, 10, 20, 30)], 0, 4 * MIN, MIN);
    expect(points.map((p) => p.t)).toEqual([0, MIN, 2 * MIN, 3 * MIN]);
    expect(points.map((p) => p.count)).toEqual([0, 0, 4, 0]);
    expect(points[2]).toEqual({ t: 2 * MIN, count: 4, ok: 3, errors: 1, errorRate: 25, p50: 10, p95: 20, p99: 30 });
    expect(points[0]).toMatchObject({ errorRate: null, p50: null, p95: null, p99: null });
  });

  it("sums requests and errors and weights bucket percentiles by runs", () => {
    const s = summarize([bucket(0, 1, 0, 100), bucket(1, 9, 3, 10)]);
    expect(s).toMatchObject({ requests: 10, errors: 3, errorRate: 30 });
    // Nine of ten runs were in the fast minute.
    expect(s.p50).toBe(10);
    expect(s.p99).toBe(100);
    expect(summarize([])).toEqual({ requests: 0, errors: 0, errorRate: null, p50: null, p95: null, p99: null });
    // One bucket: its own percentiles, exactly.
    expect(summarize([bucket(5, 3, 0, 1.5, 2.5, 2.9)])).toMatchObject({ p50: 1.5, p95: 2.5, p99: 2.9 });
  });

  it("finds points a line cannot draw", () => {
    expect([...isolatedPoints([null, 1, null, 2, 3, null, 4])]).toEqual([1, 6]);
  });

  it("puts time ticks on round times of the local clock and percent ticks on a round top", () => {
    const start = new Date(2026, 0, 8, 10, 3).getTime();
    const minutes = Array.from({ length: 60 }, (_, i) => start + i * MIN);
    expect(timeTicks(minutes, "1h").map((t) => new Date(t).getMinutes())).toEqual([10, 20, 30, 40, 50, 0]);
    const hours = Array.from({ length: 24 }, (_, i) => new Date(2026, 0, 8, 5 + i).getTime());
    expect(timeTicks(hours, "24h").map((t) => new Date(t).getHours())).toEqual([6, 9, 12, 15, 18, 21, 0, 3]);
    const week = Array.from({ length: 168 }, (_, i) => new Date(2026, 0, 1, 5 + i).getTime());
    expect(timeTicks(week, "7d")).toHaveLength(7);
    expect(percentAxis(0)).toEqual([0, 1, 2, 3, 4]);
    expect(percentAxis(25)).toEqual([0, 10, 20, 30, 40]);
    expect(percentAxis(100)).toEqual([0, 25, 50, 75, 100]);
  });

  it("formats rates", () => {
    expect([formatPercent(null), formatPercent(0), formatPercent(0.05), formatPercent(33.333), formatPercent(50)]).toEqual(["—", "0%", "<0.1%", "33%", "50%"]);
    expect(formatPercent(2.25)).toBe("2.3%");
  });
});
