// The peers of one page: name and DNS name, address, state, tunnel,
// services, expiry, and the live columns (last handshake, traffic) from
// the polled VPN status. Anyone opens a peer's traffic chart; admins edit
// a row in place, turn it on or off, show its QR code and delete it after
// confirming.
import { Fragment, useState } from 'react';
import { api, type Peer, type PeerStatus } from '../../api';
import { Button } from '../../components/Button';
import { ConfirmAction } from '../../components/ConfirmAction';
import { formatBytes, formatRate, formatRelative, formatTime } from '../../lib/format';
import { PeerConfigPanel } from './PeerConfigPanel';
import { EditPeerForm } from './PeerForm';
import { PeerTrafficPanel } from './PeerTrafficPanel';
import { Sparkline, type Rates } from './TrafficChart';
import { PEER_SERVICES, SERVICE_LABEL, peerState, type PeerState } from './peerFields';

const STATE_STYLE: Record<PeerState, string> = {
  enabled: 'bg-emerald-100 text-emerald-900 ring-emerald-300',
  disabled: 'bg-white text-slate-500 ring-slate-300',
  expired: 'bg-amber-100 text-amber-900 ring-amber-300',
};

export function PeerStateBadge({ peer }: { peer: Pick<Peer, 'enabled' | 'expired'> }) {
  const state = peerState(peer);
  return (
    <span
      data-state={state}
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${STATE_STYLE[state]}`}
    >
      {state}
    </span>
  );
}

function servicesText(p: Peer): string {
  if (p.services.length === 0) return 'none';
  if (PEER_SERVICES.every((s) => p.services.includes(s))) return 'all';
  return PEER_SERVICES.filter((s) => p.services.includes(s))
    .map((s) => SERVICE_LABEL[s])
    .join(', ');
}

function Expiry({ peer, now }: { peer: Peer; now: number }) {
  if (!peer.expires) return <span className="text-slate-500">never</span>;
  return (
    <>
      <span className={peer.expired ? 'font-medium text-amber-800' : ''}>
        {peer.expired ? `expired ${formatRelative(peer.expires, now)}` : formatRelative(peer.expires, now)}
      </span>
      <div className="text-xs text-slate-500">{formatTime(peer.expires)}</div>
    </>
  );
}

/** The live side of the list: the VPN status as last polled, and the rates seen since the page opened. */
export type Live = {
  /** null: not loaded (yet, or it failed). */
  status: Map<string, PeerStatus> | null;
  running: boolean;
  rates: Map<string, Rates>;
  refetchMs: number;
};

function Handshake({ s, now }: { s: PeerStatus | undefined; now: number }) {
  if (!s) return <span className="text-slate-400">—</span>;
  if (!s.latest_handshake) return <span className="text-slate-500">never</span>;
  return <span title={formatTime(s.latest_handshake)}>{formatRelative(s.latest_handshake, now)}</span>;
}

type What = 'edit' | 'config' | 'traffic';
type Open = { name: string; what: What } | null;

export function PeersTable({
  peers,
  now,
  isAdmin,
  endpointMissing,
  live,
  onToggle,
  toggling,
  onDelete,
  deleting,
  onSaved,
  emptyText,
}: {
  peers: Peer[];
  now: number;
  isAdmin: boolean;
  endpointMissing: boolean;
  live: Live;
  onToggle: (p: Peer) => void;
  /** The name of the peer being turned on or off. */
  toggling: string | undefined;
  onDelete: (p: Peer) => void;
  deleting: string | undefined;
  /** After an edit: the peer as stored, or null when nothing changed. */
  onSaved: (p: Peer | null, name: string) => void;
  emptyText: string;
}) {
  const [open, setOpen] = useState<Open>(null);
  if (peers.length === 0) return <p className="text-sm text-slate-600">{emptyText}</p>;
  const cols = 8 + (isAdmin ? 1 : 0);
  const isOpen = (p: Peer, what: What) => open?.name === p.name && open.what === what;
  const toggleOpen = (p: Peer, what: What) => setOpen(isOpen(p, what) ? null : { name: p.name, what });

  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Peers">
        <thead>
          <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <th scope="col" className="py-2 pr-4">Name</th>
            <th scope="col" className="py-2 pr-4">Address</th>
            <th scope="col" className="py-2 pr-4">State</th>
            <th scope="col" className="py-2 pr-4">Tunnel</th>
            <th scope="col" className="py-2 pr-4">Services</th>
            <th scope="col" className="py-2 pr-4">Expires</th>
            <th scope="col" className="py-2 pr-4">Handshake</th>
            <th scope="col" className="py-2 pr-4">Traffic</th>
            {isAdmin ? <th scope="col" className="py-2"><span className="sr-only">Actions</span></th> : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {peers.map((p) => {
            const st = live.status?.get(p.name);
            return (
              <Fragment key={p.name}>
                <tr data-peer={p.name}>
                  <th scope="row" className="py-2 pr-4 text-left font-medium text-slate-900">
                    {p.name}
                    <div className="font-mono text-xs font-normal text-slate-500" data-testid="peer-fqdn">{p.fqdn}</div>
                  </th>
                  <td className="py-2 pr-4 font-mono" data-testid="peer-ip">{p.ip}</td>
                  <td className="py-2 pr-4"><PeerStateBadge peer={p} /></td>
                  <td className="py-2 pr-4" data-testid="peer-tunnel" title={p.keepalive ? `keepalive ${p.keepalive} s` : 'no keepalive'}>
                    {p.full_tunnel ? 'full' : 'split'}
                  </td>
                  <td className="py-2 pr-4" data-testid="peer-services">{servicesText(p)}</td>
                  <td className="py-2 pr-4 tabular-nums" data-testid="peer-expires">
                    <Expiry peer={p} now={now} />
                  </td>
                  <td className="py-2 pr-4 tabular-nums" data-testid="peer-handshake">
                    <Handshake s={st} now={now} />
                  </td>
                  <td className="py-2 pr-4">
                    <button
                      type="button"
                      onClick={() => toggleOpen(p, 'traffic')}
                      aria-expanded={isOpen(p, 'traffic')}
                      aria-label={`Traffic of ${p.name}`}
                      title={st ? `received ${formatBytes(st.rx_bytes)}, sent ${formatBytes(st.tx_bytes)}` : undefined}
                      className="flex items-center gap-2 rounded-md p-0.5 text-left text-xs text-slate-600 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-600"
                    >
                      <Sparkline rates={live.rates.get(p.name)} label={`Recent traffic of ${p.name}`} />
                      <span className="whitespace-nowrap tabular-nums" data-testid="peer-rates">
                        {live.running && st ? (
                          <>
                            in {formatRate(st.rx_rate)}
                            <br />
                            out {formatRate(st.tx_rate)}
                          </>
                        ) : (
                          '—'
                        )}
                      </span>
                    </button>
                  </td>
                  {isAdmin ? (
                    <td className="py-2 text-right">
                      <div className="flex flex-wrap justify-end gap-2">
                        <Button onClick={() => toggleOpen(p, 'edit')} aria-expanded={isOpen(p, 'edit')} aria-label={`Edit ${p.name}`}>
                          Edit
                        </Button>
                        <Button
                          onClick={() => onToggle(p)}
                          disabled={toggling === p.name}
                          aria-label={`${p.enabled ? 'Disable' : 'Enable'} ${p.name}`}
                        >
                          {p.enabled ? 'Disable' : 'Enable'}
                        </Button>
                        <Button
                          onClick={() => toggleOpen(p, 'config')}
                          aria-expanded={isOpen(p, 'config')}
                          aria-label={`Show the QR code of ${p.name}`}
                        >
                          Show QR
                        </Button>
                        <ConfirmAction
                          label="Delete"
                          question={`Delete ${p.name} (${p.ip}) and its keys? Its device loses the VPN.`}
                          confirmLabel={`Delete ${p.name}`}
                          onConfirm={() => onDelete(p)}
                          busy={deleting === p.name}
                        />
                      </div>
                    </td>
                  ) : null}
                </tr>
                {open?.name === p.name && (isAdmin || open.what === 'traffic') ? (
                  <tr>
                    <td colSpan={cols} className="bg-slate-50 px-3 py-3">
                      {open.what === 'traffic' ? (
                        <PeerTrafficPanel peer={p} now={now} refetchMs={live.refetchMs} onClose={() => setOpen(null)} />
                      ) : open.what === 'edit' ? (
                        <EditPeerForm
                          peer={p}
                          save={(body) => api.updatePeer(p.name, body)}
                          onSaved={(saved) => {
                            setOpen(null);
                            onSaved(saved, p.name);
                          }}
                          onCancel={() => setOpen(null)}
                        />
                      ) : (
                        <PeerConfigPanel
                          peer={p}
                          title={`Config of ${p.name}`}
                          endpointMissing={endpointMissing}
                          onClose={() => setOpen(null)}
                        />
                      )}
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
