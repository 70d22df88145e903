"use client";

import { Area, AreaChart, YAxis } from "recharts";
import { formatCount } from "./series";

const WIDTH = 120;
const HEIGHT = 28;

/**
 * Requests per hour over the last 24 h as a tiny area chart. Fixed size (no ResponsiveContainer: it would
 * measure every row); the count is in the label, so the picture itself is decorative to screen readers.
 */
export function Sparkline({ counts, total, testId }: { counts: readonly number[]; total: number; testId?: string }) {
  const label = `${formatCount(total)} ${total === 1 ? "request" : "requests"} in the last 24 h`;
  const data = counts.map((n, hour) => ({ hour, n }));
  return (
    <div className="sparkline" role="img" aria-label={label} title={label} data-testid={testId} data-total={total}>
      <AreaChart width={WIDTH} height={HEIGHT} data={data} margin={{ top: 2, right: 1, bottom: 1, left: 1 }} accessibilityLayer={false}>
        {/* A flat line at the bottom when idle, not in the middle. */}
        <YAxis hide domain={[0, (max: number) => Math.max(1, max)]} />
        <Area dataKey="n" type="monotone" stroke={total > 0 ? "#4f46e5" : "#d0d5dd"} strokeWidth={1.25} fill="#4f46e5" fillOpacity={total > 0 ? 0.14 : 0} dot={false} activeDot={false} isAnimationActive={false} />
      </AreaChart>
      <span className="sparkline-total" aria-hidden="true">
        {formatCount(total)}
      </span>
    </div>
  );
}
