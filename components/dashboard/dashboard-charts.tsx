"use client";

import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { DotItemDotProps } from "recharts";
import type { ReactElement } from "react";
import { formatDuration } from "@/components/logs/format";
import { formatCount, formatPercent, isolatedPoints, percentAxis, timeTicks, type TPoint, type TRangeId } from "./series";

/** The theme's colours (app/globals.css): SVG presentation attributes get literal values. */
export const CHART_COLOURS = {
  ok: "#6366f1",
  error: "#c0262d",
  p50: "#4f46e5",
  p95: "#0e9384",
  p99: "#dc6803",
  grid: "#e4e7ec",
  axis: "#5d6679",
} as const;

const CHART_HEIGHT = 220;
const MARGIN = { top: 8, right: 12, bottom: 0, left: 0 };

const minuteTick = new Intl.DateTimeFormat("en", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const dayTick = new Intl.DateTimeFormat("en", { weekday: "short", day: "numeric" });
const tooltipStamp = new Intl.DateTimeFormat("en", { weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

function tickFormatter(range: TRangeId) {
  return (t: number) => (range === "7d" ? dayTick : minuteTick).format(t);
}

function tooltipLabel(bucket: "minute" | "hour") {
  return (t: unknown) => {
    if (typeof t !== "number") return "";
    return bucket === "minute" ? tooltipStamp.format(t) : `${tooltipStamp.format(t)} – ${minuteTick.format(t + 3_600_000)}`;
  };
}

const axisProps = { stroke: CHART_COLOURS.axis, tick: { fontSize: 11, fill: CHART_COLOURS.axis }, tickLine: false } as const;

interface TChartProps {
  points: TPoint[];
  range: TRangeId;
  bucket: "minute" | "hour";
}

function ChartCard({ title, subtitle, testId, children }: { title: string; subtitle: string; testId: string; children: ReactElement }) {
  return (
    <section className="card dash-chart" data-testid={testId} aria-label={title}>
      <div className="dash-chart-head">
        <h3 className="card-title">{title}</h3>
        <p className="card-subtitle">{subtitle}</p>
      </div>
      <div className="dash-chart-body">
        <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
          {children}
        </ResponsiveContainer>
      </div>
    </section>
  );
}

/** Requests per bucket, errors stacked on top of successful runs. */
export function RequestsChart({ points, range, bucket }: TChartProps) {
  return (
    <ChartCard title={`Requests per ${bucket}`} subtitle="Finished runs; errors stacked on top" testId="chart-requests">
      <BarChart data={points} margin={MARGIN} barCategoryGap={1}>
        <CartesianGrid stroke={CHART_COLOURS.grid} vertical={false} />
        <XAxis dataKey="t" {...axisProps} ticks={timeTicks(points.map((p) => p.t), range)} interval={0} tickFormatter={tickFormatter(range)} />
        <YAxis {...axisProps} allowDecimals={false} width={40} tickFormatter={(v: number) => formatCount(v)} />
        <Tooltip labelFormatter={tooltipLabel(bucket)} formatter={(v) => formatCount(Number(v))} cursor={{ fill: "rgba(79, 70, 229, 0.06)" }} />
        <Legend iconType="square" iconSize={10} wrapperStyle={{ fontSize: 12 }} />
        <Bar dataKey="ok" name="OK" stackId="runs" fill={CHART_COLOURS.ok} isAnimationActive={false} />
        <Bar dataKey="errors" name="Errors" stackId="runs" fill={CHART_COLOURS.error} isAnimationActive={false} />
      </BarChart>
    </ChartCard>
  );
}

/** Share of failed runs per bucket; buckets without runs are gaps. */
export function ErrorRateChart({ points, range, bucket }: TChartProps) {
  const isolated = isolatedPoints(points.map((p) => p.errorRate));
  const ticks = percentAxis(Math.max(0, ...points.map((p) => p.errorRate ?? 0)));
  return (
    <ChartCard title="Error rate" subtitle={`Errors and abandoned runs, per ${bucket}`} testId="chart-errors">
      <AreaChart data={points} margin={MARGIN}>
        <CartesianGrid stroke={CHART_COLOURS.grid} vertical={false} />
        <XAxis dataKey="t" {...axisProps} ticks={timeTicks(points.map((p) => p.t), range)} interval={0} tickFormatter={tickFormatter(range)} />
        <YAxis {...axisProps} width={40} domain={[0, ticks[ticks.length - 1]!]} ticks={ticks} interval={0} tickFormatter={(v: number) => `${v}%`} />
        <Tooltip labelFormatter={tooltipLabel(bucket)} formatter={(v) => formatPercent(v === null || v === undefined ? null : Number(v))} />
        <Area
          dataKey="errorRate"
          name="Error rate"
          type="linear"
          stroke={CHART_COLOURS.error}
          fill={CHART_COLOURS.error}
          fillOpacity={0.12}
          strokeWidth={1.5}
          dot={lonelyDot(isolated, CHART_COLOURS.error)}
          isAnimationActive={false}
        />
      </AreaChart>
    </ChartCard>
  );
}

/** p50/p95/p99 run duration per bucket (server-side percentiles); gaps where nothing ran. */
export function LatencyChart({ points, range, bucket }: TChartProps) {
  const lines = [
    { key: "p50", name: "p50", colour: CHART_COLOURS.p50 },
    { key: "p95", name: "p95", colour: CHART_COLOURS.p95 },
    { key: "p99", name: "p99", colour: CHART_COLOURS.p99 },
  ] as const;
  return (
    <ChartCard title="Latency" subtitle={`Run duration percentiles, per ${bucket}`} testId="chart-latency">
      <LineChart data={points} margin={MARGIN}>
        <CartesianGrid stroke={CHART_COLOURS.grid} vertical={false} />
        <XAxis dataKey="t" {...axisProps} ticks={timeTicks(points.map((p) => p.t), range)} interval={0} tickFormatter={tickFormatter(range)} />
        <YAxis {...axisProps} width={56} tickFormatter={(v: number) => (v === 0 ? "0" : formatDuration(v))} />
        <Tooltip labelFormatter={tooltipLabel(bucket)} formatter={(v) => formatDuration(v === null || v === undefined ? null : Number(v))} />
        <Legend iconType="plainline" wrapperStyle={{ fontSize: 12 }} />
        {lines.map((l) => (
          <Line
            key={l.key}
            dataKey={l.key}
            name={l.name}
            type="linear"
            stroke={l.colour}
            strokeWidth={1.75}
            dot={lonelyDot(isolatedPoints(points.map((p) => p[l.key])), l.colour)}
            activeDot={{ r: 3.5 }}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartCard>
  );
}

/**
 * A dot only where a point has no neighbour to draw a line to (gaps are not connected: they mean no runs),
 * so a single busy minute still shows.
 */
function lonelyDot(isolated: Set<number>, colour: string) {
  function LonelyDot({ index, cx, cy }: DotItemDotProps) {
    if (!isolated.has(index) || cx === undefined || cy === undefined) return <g key={index} />;
    return <circle key={index} className="dash-lonely-dot" cx={cx} cy={cy} r={2.5} fill={colour} stroke={colour} />;
  }
  return LonelyDot;
}
