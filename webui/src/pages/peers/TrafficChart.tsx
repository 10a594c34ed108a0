// Peer traffic as charts: a sparkline per row, from the rates the page has
// polled since it opened, and a larger chart of a peer's recent history as
// picd keeps it (GET /api/wireguard/status?peer=NAME). Rates are bytes per
// second from the cell's side: "in" is what it received from the peer,
// "out" what it sent to it.
import { useEffect, useState } from 'react';
import type { WireguardStatus } from '../../api';
import { formatDuration, formatRate } from '../../lib/format';

/** picd keeps this many samples per peer (VPN_STATS_HISTORY). */
export const HISTORY_SAMPLES = 30;

export type Rates = { rx: number[]; tx: number[] };

/** `prev` with the rates of `status` appended per peer, at most `size` each;
 * peers no longer in the status are dropped. A status without a sample
 * (the VPN not running) changes nothing. */
export function appendSamples(prev: Map<string, Rates>, status: WireguardStatus, size = HISTORY_SAMPLES): Map<string, Rates> {
  if (!status.running || status.sampled_at === null) return prev;
  const next = new Map<string, Rates>();
  for (const p of status.peers) {
    const old = prev.get(p.name) ?? { rx: [], tx: [] };
    next.set(p.name, { rx: [...old.rx, p.rx_rate].slice(-size), tx: [...old.tx, p.tx_rate].slice(-size) });
  }
  return next;
}

/** The rates of every peer as polled while the page is open, one sample per
 * sampled_at (a poll that finds the same sample adds nothing). */
export function useRateHistory(status: WireguardStatus | undefined): Map<string, Rates> {
  const [state, setState] = useState<{ at: string | null; rates: Map<string, Rates> }>({ at: null, rates: new Map() });
  const at = status?.sampled_at ?? null;
  useEffect(() => {
    if (!status || at === null) return;
    setState((s) => (s.at === at ? s : { at, rates: appendSamples(s.rates, status) }));
  }, [status, at]);
  return state.rates;
}

/** Polyline points for `values` in a w×h box, right-aligned in `slots` places, scaled to `max`. */
export function points(values: readonly number[], w: number, h: number, max: number, slots = HISTORY_SAMPLES): string {
  if (values.length === 0) return '';
  const step = w / Math.max(1, slots - 1);
  const x0 = w - step * (values.length - 1);
  const top = Math.max(1, max);
  return values
    .map((v, i) => `${+(x0 + i * step).toFixed(2)},${+(h - (Math.min(v, top) / top) * h).toFixed(2)}`)
    .join(' ');
}

const RX = 'stroke-sky-600';
const TX = 'stroke-emerald-600';

export function Sparkline({ rates, label }: { rates: Rates | undefined; label: string }) {
  const w = 96;
  const h = 24;
  const rx = rates?.rx ?? [];
  const tx = rates?.tx ?? [];
  const max = Math.max(1, ...rx, ...tx);
  return (
    <svg viewBox={`0 0 ${w} ${h + 2}`} width={w} height={h + 2} role="img" aria-label={label} data-testid="traffic-sparkline" data-samples={rx.length}>
      <line x1={0} y1={h + 1} x2={w} y2={h + 1} className="stroke-slate-200" strokeWidth={1} />
      {rx.length > 0 ? (
        <>
          <polyline points={points(rx, w, h, max)} fill="none" className={RX} strokeWidth={1.5} transform="translate(0,1)" />
          <polyline points={points(tx, w, h, max)} fill="none" className={TX} strokeWidth={1.5} transform="translate(0,1)" />
        </>
      ) : null}
    </svg>
  );
}

/** A peer's recent rates, oldest first, one sample every `intervalS` seconds. */
export function TrafficChart({ rates, intervalS, name }: { rates: Rates; intervalS: number; name: string }) {
  const w = 480;
  const h = 120;
  const padLeft = 4;
  const max = Math.max(1, ...rates.rx, ...rates.tx);
  const span = Math.max(0, (HISTORY_SAMPLES - 1) * intervalS);
  const peakRx = Math.max(0, ...rates.rx);
  const peakTx = Math.max(0, ...rates.tx);
  const summary =
    rates.rx.length === 0
      ? `No traffic samples for ${name} yet.`
      : `Traffic of ${name} over the last ${formatDuration(span)}: in up to ${formatRate(peakRx)}, out up to ${formatRate(peakTx)}.`;
  return (
    <figure className="space-y-1" data-testid="traffic-chart" data-samples={rates.rx.length}>
      <div className="flex items-baseline justify-between text-xs text-slate-500">
        <span data-testid="traffic-max">{formatRate(max)}</span>
        <span className="flex gap-3">
          <span><span className="mr-1 inline-block h-0.5 w-3 bg-sky-600 align-middle" />in (from the peer)</span>
          <span><span className="mr-1 inline-block h-0.5 w-3 bg-emerald-600 align-middle" />out (to the peer)</span>
        </span>
      </div>
      <svg viewBox={`0 0 ${w + padLeft} ${h + 2}`} className="h-32 w-full max-w-xl" preserveAspectRatio="none" role="img" aria-label={summary}>
        <line x1={padLeft} y1={1} x2={w + padLeft} y2={1} className="stroke-slate-200" strokeDasharray="4 4" strokeWidth={1} />
        <line x1={padLeft} y1={h + 1} x2={w + padLeft} y2={h + 1} className="stroke-slate-300" strokeWidth={1} />
        <g transform={`translate(${padLeft},1)`}>
          <polyline points={points(rates.rx, w, h, max)} fill="none" className={RX} strokeWidth={2} vectorEffect="non-scaling-stroke" />
          <polyline points={points(rates.tx, w, h, max)} fill="none" className={TX} strokeWidth={2} vectorEffect="non-scaling-stroke" />
        </g>
      </svg>
      <figcaption className="flex justify-between text-xs text-slate-500">
        <span>{formatDuration(span)} ago</span>
        <span>now</span>
      </figcaption>
    </figure>
  );
}
