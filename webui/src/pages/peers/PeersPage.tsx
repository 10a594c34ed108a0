// Peers: the VPN's devices, searched and paged by the server, with their
// state, expiry and live status (last handshake, traffic; polled every
// 5 s). Admins add one and get its QR code and config at once, edit its
// services and tunnel, turn it on or off, and delete it.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { api, type Peer, type PeerStatus } from '../../api';
import { keys, useConfig } from '../../app/queries';
import { useSession } from '../../app/RequireAuth';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Card, Loading, PageHeader } from '../../components/Card';
import { Pager, SearchBox } from '../../components/ListControls';
import { useDebounced } from '../../lib/useDebounced';
import { useNow } from '../../lib/useNow';
import { PeerConfigPanel } from './PeerConfigPanel';
import { AddPeerForm } from './PeerForm';
import { PeersTable, type Live } from './PeersTable';
import { useRateHistory } from './TrafficChart';

export const PAGE_SIZE = 20;
/** picd samples the VPN every 5 s (interval_s); asking more often shows nothing new. */
export const STATUS_POLL_MS = 5000;
/** The list itself changes by admins' hands and by expiry: refreshed now and then. */
export const LIST_POLL_MS = 30_000;

export function PeersPage({ statusRefetchMs = STATUS_POLL_MS }: { statusRefetchMs?: number } = {}) {
  const me = useSession();
  const isAdmin = me.role === 'admin';
  const qc = useQueryClient();
  const config = useConfig();
  const zone = config.data ? `${config.data.cell_name}.${config.data.domain}` : '';
  const endpointMissing = config.data?.public_endpoint === '';
  const now = useNow(1000);

  const [search, setSearchRaw] = useState('');
  const [page, setPage] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [created, setCreated] = useState<Peer | null>(null);
  const q = { search: useDebounced(search.trim(), 250), limit: PAGE_SIZE, offset: page * PAGE_SIZE };
  const peers = useQuery({
    queryKey: keys.peers(q),
    queryFn: () => api.peers({ limit: q.limit, offset: q.offset, ...(q.search ? { search: q.search } : {}) }),
    placeholderData: keepPreviousData,
    refetchInterval: LIST_POLL_MS,
  });
  const total = peers.data?.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  // Everything was deleted past the last page: go to the last one there is.
  useEffect(() => {
    if (peers.data && !peers.isPlaceholderData && page > pageCount - 1) setPage(pageCount - 1);
  }, [peers.data, peers.isPlaceholderData, page, pageCount]);

  const status = useQuery({
    queryKey: keys.wireguardStatus,
    queryFn: () => api.wireguardStatus(),
    refetchInterval: statusRefetchMs,
  });
  const rates = useRateHistory(status.data);
  const live: Live = useMemo(
    () => ({
      status: status.data ? new Map<string, PeerStatus>(status.data.peers.map((s) => [s.name, s])) : null,
      running: status.data?.running ?? false,
      rates,
      refetchMs: statusRefetchMs,
    }),
    [status.data, rates, statusRefetchMs],
  );

  const refresh = () => {
    void qc.invalidateQueries({ queryKey: keys.peersAll });
    void qc.invalidateQueries({ queryKey: keys.wireguardStatus });
    void qc.invalidateQueries({ queryKey: keys.revisionsAll });
  };
  const toggle = useMutation({
    mutationFn: (p: Peer) => api.updatePeer(p.name, { enabled: !p.enabled }),
    onMutate: () => setNotice(null),
    onSuccess: (p) => setNotice(`Peer ${p.name} ${p.enabled ? 'enabled' : 'disabled'}.`),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (p: Peer) => api.deletePeer(p.name),
    onMutate: () => setNotice(null),
    onSuccess: (_, p) => {
      setNotice(`Peer ${p.name} deleted.`);
      if (created?.name === p.name) setCreated(null);
      qc.removeQueries({ queryKey: keys.peerConfig(p.name) });
    },
    onSettled: refresh,
  });

  const list = peers.data?.peers ?? [];
  const first = total === 0 ? 0 : page * PAGE_SIZE + 1;
  return (
    <>
      <PageHeader title="Peers">
        {status.data ? (
          <p className="text-sm text-slate-600" data-testid="vpn-state">
            {status.data.running
              ? `VPN running on ${status.data.interface}, port ${status.data.listen_port}`
              : 'VPN not running: no handshakes or traffic'}
          </p>
        ) : null}
      </PageHeader>
      <div className="space-y-4">
        {isAdmin ? (
          <Card title="Add peer" labelledBy="add-peer-heading">
            {created ? (
              <div className="space-y-3">
                <Alert tone="success">
                  Peer {created.name} added with the address {created.ip}. Scan the QR code with the device, or download its config.
                </Alert>
                <PeerConfigPanel
                  peer={created}
                  title={`Config of ${created.name}`}
                  endpointMissing={endpointMissing}
                  onClose={() => setCreated(null)}
                />
              </div>
            ) : (
              <AddPeerForm
                zone={zone}
                create={(body) => api.createPeer(body)}
                onCreated={(p) => {
                  setNotice(null);
                  setCreated(p);
                  refresh();
                }}
              />
            )}
          </Card>
        ) : null}
        <Card
          title="Peers"
          labelledBy="peers-heading"
          actions={
            <SearchBox
              label="Search"
              placeholder="name or address"
              value={search}
              onChange={(v) => {
                setSearchRaw(v);
                setPage(0);
              }}
            />
          }
        >
          {notice ? (
            <div className="mb-3">
              <Alert tone="success">{notice}</Alert>
            </div>
          ) : null}
          <ErrorAlert error={toggle.error} prefix="Not changed" />
          <ErrorAlert error={remove.error} prefix="Not deleted" />
          {/* The list works without the live status (a failed poll keeps the last one). */}
          <ErrorAlert error={status.error} prefix="Cannot load the VPN status" />
          {peers.isPending ? <Loading what="peers" /> : null}
          <ErrorAlert error={peers.error} prefix="Cannot load the peers" />
          {peers.data ? (
            <>
              <PeersTable
                peers={list}
                now={now}
                isAdmin={isAdmin}
                endpointMissing={endpointMissing}
                live={live}
                onToggle={(p) => toggle.mutate(p)}
                toggling={toggle.isPending ? toggle.variables?.name : undefined}
                onDelete={(p) => remove.mutate(p)}
                deleting={remove.isPending ? remove.variables?.name : undefined}
                onSaved={(p, name) => {
                  setNotice(p ? `Peer ${name} saved.` : `Peer ${name}: nothing changed.`);
                  if (p) {
                    refresh();
                    void qc.invalidateQueries({ queryKey: keys.peerConfig(name) });
                  }
                }}
                emptyText={q.search ? 'No peer matches.' : 'No peers yet.'}
              />
              <Pager
                page={page}
                pageCount={pageCount}
                first={first}
                last={first === 0 ? 0 : first + list.length - 1}
                total={total}
                onPage={setPage}
                noun="peers"
              />
            </>
          ) : null}
        </Card>
      </div>
    </>
  );
}
