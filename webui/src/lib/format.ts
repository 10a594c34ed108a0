// Display helpers: deterministic output (UTC), so tests and screenshots agree.

/** "2026-11-29T05:56:58Z" -> "2026-11-29 05:56:58 UTC"; anything else as it is. */
export function formatTime(t: string | null | undefined): string {
  if (!t) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z$/.exec(t);
  return m ? `${m[1]} ${m[2]} UTC` : t;
}

/** 3725 -> "1h 2m 5s"; 90061 -> "1d 1h 1m". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  let s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m ${s}s`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** 75 -> "1:15" (the confirm countdown). */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A JSON value as a person reads it: strings bare, null as an em dash. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v === '' ? '""' : v;
  return JSON.stringify(v);
}

/** A time relative to now: "in 1h 2m 5s", "3m 10s ago"; "never" for null (an infinite lease). */
export function formatRelative(t: string | null | undefined, nowMs: number): string {
  if (t === null || t === undefined) return 'never';
  const at = Date.parse(t);
  if (!Number.isFinite(at)) return t;
  const s = Math.round((at - nowMs) / 1000);
  if (s === 0) return 'now';
  return s > 0 ? `in ${formatDuration(s)}` : `${formatDuration(-s)} ago`;
}

/** A clock offset in seconds, signed, in the unit that reads best: "+1.250 ms", "-35 µs", "+2.5 s". */
export function formatOffset(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const sign = seconds > 0 ? '+' : seconds < 0 ? '-' : '±';
  const a = Math.abs(seconds);
  if (a === 0) return '±0 s';
  if (a >= 1) return `${sign}${a.toFixed(3)} s`;
  if (a >= 1e-3) return `${sign}${(a * 1e3).toFixed(3)} ms`;
  return `${sign}${Math.round(a * 1e6)} µs`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 -> "1.5 KiB"; 0 -> "0 B". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return '—';
  let v = n;
  let u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${BYTE_UNITS[u]}`;
}

/** Bytes per second: "1.5 KiB/s". */
export function formatRate(bps: number | null | undefined): string {
  const b = formatBytes(bps);
  return b === '—' ? b : `${b}/s`;
}
