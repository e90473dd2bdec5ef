// A device's traffic over the last hour, a line per minute: out (solid) and
// in (dashed), one scale for both.  The total is in the label, for screen
// readers and for anyone who wants the number.
import { bytes } from '../format';

export function Sparkline({ out, inn, label }: { out: number[]; inn: number[]; label: string }) {
  const w = 120;
  const h = 28;
  const n = Math.max(out.length, inn.length);
  const peak = Math.max(1, ...out, ...inn);
  const line = (values: number[]) =>
    values
      .map((v, i) => `${((i / Math.max(1, n - 1)) * w).toFixed(1)},${(h - 2 - (v / peak) * (h - 4)).toFixed(1)}`)
      .join(' ');
  const total = out.reduce((a, b) => a + b, 0) + inn.reduce((a, b) => a + b, 0);
  return (
    <svg class="sparkline" viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={`${label}: ${bytes(total)}`}>
      <title>{`${label}: ${bytes(total)}`}</title>
      {n > 1 && <polyline class="spark-in" points={line(inn)} />}
      {n > 1 && <polyline class="spark-out" points={line(out)} />}
    </svg>
  );
}
