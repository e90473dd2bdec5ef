// A device's traffic over time (uPlot): bytes out and in per second of each
// bucket, in the browser's time zone, and packets dropped by a rule.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import type { TrafficPoint } from '../api/types';
import { bytesPerSecond, count } from '../format';

// Okabe-Ito blue and orange (docs/ui.md, "Colours"); the lines also differ
// in dash, so they are told apart without colour.
const OUT = '#0072B2';
const IN = '#E69F00';
const BLOCKED = '#D55E00';

const hourMinute = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const monthYear = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric' });

function axisTime(seconds: number, step: number): string {
  const d = new Date(seconds * 1000);
  if (step < 86400) return d.getHours() === 0 && d.getMinutes() === 0 ? dayMonth.format(d) : hourMinute.format(d);
  if (step < 28 * 86400) return dayMonth.format(d);
  return monthYear.format(d);
}

export function TrafficChart({ series, step, label }: { series: TrafficPoint[]; step: number; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const data: uPlot.AlignedData = [
      series.map((p) => p.time),
      series.map((p) => p.bytes_out / step),
      series.map((p) => p.bytes_in / step),
      series.map((p) => p.blocked_pkts),
    ];
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 240,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        // Times in the browser's zone and language (uPlot's own labels are
        // American whatever the locale).
        { values: (_u, splits, _axis, _space, step) => splits.map((t) => axisTime(t, step)), size: 44 },
        { values: (_u, splits) => splits.map((v) => bytesPerSecond(v)), size: 80 },
        { scale: 'blocked', side: 1, values: (_u, splits) => splits.map((v) => count(v)), grid: { show: false }, size: 50 },
      ],
      series: [
        {},
        { label: 'out', stroke: OUT, width: 2, value: (_u, v) => (v === null ? '—' : bytesPerSecond(v)) },
        { label: 'in', stroke: IN, width: 2, dash: [6, 4], value: (_u, v) => (v === null ? '—' : bytesPerSecond(v)) },
        {
          label: 'blocked packets',
          stroke: BLOCKED,
          width: 1,
          dash: [2, 3],
          scale: 'blocked',
          value: (_u, v) => (v === null ? '—' : count(v)),
        },
      ],
    };
    const chart = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(280, el.clientWidth), height: 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [series, step]);
  return (
    <figure class="chart-figure">
      <div class="chart" ref={box} />
      <figcaption class="sr-only">{label}</figcaption>
    </figure>
  );
}
