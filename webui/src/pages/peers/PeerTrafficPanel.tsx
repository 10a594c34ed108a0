// One peer's live state, polled: where it connects from, its last
// handshake, the bytes so far, and its recent rates as a chart.
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { api, type Peer } from '../../api';
import { keys } from '../../app/queries';
import { ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Loading } from '../../components/Card';
import { formatBytes, formatRelative, formatTime } from '../../lib/format';
import { TrafficChart } from './TrafficChart';

export function PeerTrafficPanel({
  peer,
  now,
  refetchMs,
  onClose,
}: {
  peer: Peer;
  now: number;
  refetchMs: number;
  onClose: () => void;
}) {
  const headingId = useId();
  const status = useQuery({
    queryKey: keys.peerTraffic(peer.name),
    queryFn: () => api.wireguardStatus(peer.name),
    refetchInterval: refetchMs,
  });
  const s = status.data?.peers.find((p) => p.name === peer.name);
  return (
    <section aria-labelledby={headingId} data-testid="peer-traffic" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="text-sm font-semibold text-slate-900">
          Traffic of {peer.name}
        </h3>
        <Button onClick={onClose}>Close</Button>
      </div>
      {status.isPending ? <Loading what="the traffic" /> : null}
      <ErrorAlert error={status.error} prefix="Cannot load the traffic" />
      {status.data && !status.data.running ? (
        <p className="text-sm text-slate-600">The VPN is not running, so there is no traffic to show.</p>
      ) : null}
      {status.data && s ? (
        <div className="grid gap-4 md:grid-cols-[minmax(0,2fr)_minmax(12rem,1fr)]">
          <TrafficChart
            name={peer.name}
            intervalS={status.data.interval_s}
            rates={{ rx: s.history?.rx_rate ?? [], tx: s.history?.tx_rate ?? [] }}
          />
          <dl className="grid grid-cols-[auto_1fr] content-start gap-x-3 gap-y-1 self-start text-sm">
            <dt className="text-slate-500">Endpoint</dt>
            <dd className="font-mono">{s.endpoint ?? '—'}</dd>
            <dt className="text-slate-500">Last handshake</dt>
            <dd title={s.latest_handshake ? formatTime(s.latest_handshake) : undefined}>
              {s.latest_handshake ? formatRelative(s.latest_handshake, now) : 'never'}
            </dd>
            <dt className="text-slate-500">Received</dt>
            <dd className="tabular-nums">{formatBytes(s.rx_bytes)}</dd>
            <dt className="text-slate-500">Sent</dt>
            <dd className="tabular-nums">{formatBytes(s.tx_bytes)}</dd>
          </dl>
        </div>
      ) : null}
    </section>
  );
}
