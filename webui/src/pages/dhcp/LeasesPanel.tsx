// The leases dnsmasq has handed out, polled every few seconds: MAC, address,
// host name, DNS name, when each ends (relative, ticking), whether it is a
// reservation; admins turn a lease into a reservation with one button.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type DhcpLease } from '../../api';
import { keys } from '../../app/queries';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Loading } from '../../components/Card';
import { Pager, SearchBox } from '../../components/ListControls';
import { useListView } from '../../components/useListView';
import { formatRelative, formatTime } from '../../lib/format';
import { useNow } from '../../lib/useNow';

export const LEASE_POLL_MS = 5000;

export function LeasesPanel({
  isAdmin,
  dhcpEnabled,
  refetchMs = LEASE_POLL_MS,
}: {
  isAdmin: boolean;
  dhcpEnabled: boolean | undefined;
  refetchMs?: number;
}) {
  const qc = useQueryClient();
  const leases = useQuery({ queryKey: keys.dhcpLeases, queryFn: () => api.dhcpLeases(), refetchInterval: refetchMs });
  const now = useNow(1000);
  const view = useListView(leases.data?.leases ?? [], (l) => `${l.mac} ${l.ip} ${l.hostname ?? ''} ${l.fqdn ?? ''}`, 20);
  const [notice, setNotice] = useState<string | null>(null);
  const reserve = useMutation({
    mutationFn: (l: DhcpLease) => api.createDhcpReservation({ mac: l.mac, ip: l.ip, name: l.hostname ?? '' }),
    onMutate: () => setNotice(null),
    onSuccess: (r) => setNotice(`${r.ip} is now reserved for ${r.mac}.`),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.dhcpReservations });
      void qc.invalidateQueries({ queryKey: keys.dhcpLeases });
      void qc.invalidateQueries({ queryKey: keys.revisionsAll });
    },
  });

  if (leases.isPending) return <Loading what="leases" />;
  const list = leases.data?.leases ?? [];
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-xs text-slate-500" data-testid="lease-refresh">
          Refreshed every {Math.round(refetchMs / 1000)} s
          {leases.dataUpdatedAt ? `, last at ${formatTime(new Date(leases.dataUpdatedAt).toISOString().replace(/\.\d+Z$/, 'Z'))}` : ''}
        </p>
        <SearchBox label="Search leases" value={view.query} onChange={view.setQuery} placeholder="MAC, address or name" />
      </div>
      {/* A failed poll keeps the last table and says so. */}
      <ErrorAlert error={leases.error} prefix="Cannot refresh the leases" />
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <ErrorAlert error={reserve.error} prefix={`Cannot reserve ${reserve.variables?.ip ?? ''}`} />
      {list.length === 0 ? (
        <p className="text-sm text-slate-600">
          {dhcpEnabled === false ? 'DHCP is off, so there are no leases.' : 'No leases yet.'}
        </p>
      ) : (
        <>
          <div className="overflow-x-auto">
            <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Leases">
              <thead>
                <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                  <th scope="col" className="py-2 pr-4">Address</th>
                  <th scope="col" className="py-2 pr-4">MAC</th>
                  <th scope="col" className="py-2 pr-4">Host name</th>
                  <th scope="col" className="py-2 pr-4">DNS name</th>
                  <th scope="col" className="py-2 pr-4">Expires</th>
                  <th scope="col" className="py-2"><span className="sr-only">Reservation</span></th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {view.items.map((l) => (
                  <tr key={`${l.mac}-${l.ip}`} data-lease={l.ip}>
                    <th scope="row" className="py-2 pr-4 text-left font-mono font-medium text-slate-900">{l.ip}</th>
                    <td className="py-2 pr-4 font-mono">{l.mac}</td>
                    <td className="py-2 pr-4">{l.hostname ?? <span className="text-slate-400">—</span>}</td>
                    <td className="py-2 pr-4 font-mono text-slate-700">{l.fqdn ?? <span className="text-slate-400">—</span>}</td>
                    <td className="py-2 pr-4 tabular-nums" title={l.expires ? formatTime(l.expires) : 'An infinite lease'} data-testid="lease-expires">
                      {formatRelative(l.expires, now)}
                    </td>
                    <td className="py-2 text-right">
                      {l.reserved ? (
                        <span className="inline-flex items-center rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900 ring-1 ring-inset ring-emerald-300">
                          reserved
                        </span>
                      ) : isAdmin ? (
                        <Button
                          onClick={() => reserve.mutate(l)}
                          disabled={reserve.isPending}
                          aria-label={`Reserve ${l.ip} for ${l.mac}`}
                        >
                          Reserve
                        </Button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager {...view} onPage={view.setPage} noun="leases" />
        </>
      )}
    </div>
  );
}
