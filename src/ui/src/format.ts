// Numbers with units and times in the browser's own time zone.

const SI = ['', 'k', 'M', 'G', 'T', 'P'];

function scaled(value: number, unit: string, base = 1000): string {
  if (!Number.isFinite(value)) return '—';
  let i = 0;
  let v = Math.abs(value);
  while (v >= base && i < SI.length - 1) {
    v /= base;
    i += 1;
  }
  const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${value < 0 ? '−' : ''}${v.toFixed(digits)} ${SI[i]}${unit}`;
}

export const bytes = (n: number): string => scaled(n, 'B');
export const bytesPerSecond = (n: number): string => scaled(n, 'B/s');
export const packetsPerSecond = (n: number): string => `${scaled(n, '').trim()} packets/s`;

const whole = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
export const count = (n: number): string => whole.format(n);
export const packets = (n: number): string => `${whole.format(n)} packet${n === 1 ? '' : 's'}`;

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

// Seconds since the epoch, as the API gives times.
export function time(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return '—';
  return dateTime.format(new Date(seconds * 1000));
}

export function clock(seconds: number): string {
  return timeOnly.format(new Date(seconds * 1000));
}

// ISO 8601 for a <time datetime=...> attribute.
export function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

// "3 min ago" relative to `now` (the newest data's time, not always the clock).
export function ago(seconds: number, now: number): string {
  const d = now - seconds;
  if (d < 5) return 'just now';
  return `${duration(d)} ago`;
}

const PROTOCOLS: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPv6', 132: 'SCTP' };
export function protocol(n: number): string {
  return PROTOCOLS[n] ?? `IP proto ${n}`;
}

export function service(proto: number, port: number): string {
  if (proto === 6 || proto === 17 || proto === 132) return `${protocol(proto)} ${port}`;
  return protocol(proto);
}

// The time zone the page shows times in.
export function zone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
