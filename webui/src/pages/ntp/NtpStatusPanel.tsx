// chrony's state, refreshed every few seconds: synchronised or not, stratum,
// reference and offset, then its sources and the clients it served.
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api, type NtpSource, type NtpStatus } from '../../api';
import { keys } from '../../app/queries';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Loading } from '../../components/Card';
import { formatDuration, formatOffset } from '../../lib/format';

export const NTP_POLL_MS = 5000;

const SOURCE_STATE: Record<NtpSource['state'], { text: string; tone: string }> = {
  selected: { text: 'selected', tone: 'bg-emerald-100 text-emerald-900 ring-emerald-300' },
  combined: { text: 'combined', tone: 'bg-sky-100 text-sky-900 ring-sky-300' },
  not_combined: { text: 'not combined', tone: 'bg-slate-100 text-slate-800 ring-slate-300' },
  falseticker: { text: 'falseticker', tone: 'bg-red-100 text-red-900 ring-red-300' },
  too_variable: { text: 'too variable', tone: 'bg-amber-100 text-amber-900 ring-amber-300' },
  unreachable: { text: 'unreachable', tone: 'bg-slate-100 text-slate-600 ring-slate-300' },
};

const LEAP: Record<NtpStatus['leap'], string> = {
  normal: 'normal',
  insert_second: 'a second is inserted at the end of the day',
  delete_second: 'a second is deleted at the end of the day',
  not_synchronised: 'not synchronised',
};

function Badge({ tone, children }: { tone: string; children: ReactNode }) {
  return (
    <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${tone}`}>
      {children}
    </span>
  );
}

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="flex justify-between gap-4 py-1.5">
      <dt className="text-slate-500">{label}</dt>
      <dd className="text-right font-medium text-slate-900" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

const ago = (s: number | null) => (s === null ? '—' : `${formatDuration(s)} ago`);

function SourcesTable({ sources }: { sources: NtpSource[] }) {
  if (sources.length === 0) return <p className="text-sm text-slate-600">No sources.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="NTP sources">
        <thead>
          <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <th scope="col" className="py-2 pr-4">Source</th>
            <th scope="col" className="py-2 pr-4">Mode</th>
            <th scope="col" className="py-2 pr-4">State</th>
            <th scope="col" className="py-2 pr-4">Stratum</th>
            <th scope="col" className="py-2 pr-4" title="The last eight polls, octal as chronyc shows it (377: all answered)">Reach</th>
            <th scope="col" className="py-2 pr-4">Last sample</th>
            <th scope="col" className="py-2">Offset</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {sources.map((s) => (
            <tr key={s.address} data-source={s.address}>
              <th scope="row" className="py-2 pr-4 text-left font-mono font-medium">{s.address}</th>
              <td className="py-2 pr-4">{s.mode}</td>
              <td className="py-2 pr-4">
                <Badge tone={SOURCE_STATE[s.state].tone}>{SOURCE_STATE[s.state].text}</Badge>
              </td>
              <td className="py-2 pr-4 tabular-nums">{s.stratum}</td>
              <td className="py-2 pr-4 font-mono tabular-nums">{s.reach.toString(8)}</td>
              <td className="py-2 pr-4 tabular-nums">{ago(s.last_rx_s)}</td>
              <td className="py-2 tabular-nums">{s.last_rx_s === null ? '—' : formatOffset(s.offset_s)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ClientsTable({ clients }: { clients: NtpStatus['clients'] }) {
  if (clients.length === 0) return <p className="text-sm text-slate-600">No client has asked yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="NTP clients">
        <thead>
          <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <th scope="col" className="py-2 pr-4">Client</th>
            <th scope="col" className="py-2 pr-4">NTP packets</th>
            <th scope="col" className="py-2">Last</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {clients.map((c) => (
            <tr key={c.address}>
              <th scope="row" className="py-2 pr-4 text-left font-mono font-medium">{c.address}</th>
              <td className="py-2 pr-4 tabular-nums">{c.ntp_packets}</td>
              <td className="py-2 tabular-nums">{ago(c.last_s)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function NtpStatusPanel({ refetchMs = NTP_POLL_MS }: { refetchMs?: number }) {
  const q = useQuery({ queryKey: keys.ntpStatus, queryFn: () => api.ntpStatus(), refetchInterval: refetchMs });
  if (q.isPending) return <Loading what="the time status" />;
  if (!q.data) return <ErrorAlert error={q.error} prefix="Cannot load the time status" />;
  const s = q.data;
  return (
    <div className="space-y-4">
      <ErrorAlert error={q.error} prefix="Cannot refresh the time status" />
      {!s.running ? (
        <Alert tone="warning">chrony is not running: the cell serves no time. See its log on the Services page.</Alert>
      ) : null}
      <dl className="divide-y divide-slate-100 text-sm md:w-2/3">
        <Row label="chrony" testId="ntp-running">
          {s.running ? <Badge tone="bg-emerald-100 text-emerald-900 ring-emerald-300">running</Badge> : <Badge tone="bg-red-100 text-red-900 ring-red-300">not running</Badge>}
        </Row>
        <Row label="Synchronised" testId="ntp-synchronised">
          {s.synchronised ? (
            <Badge tone="bg-emerald-100 text-emerald-900 ring-emerald-300">yes</Badge>
          ) : (
            <Badge tone="bg-amber-100 text-amber-900 ring-amber-300">no</Badge>
          )}
        </Row>
        {s.running ? (
          <>
            <Row label="Stratum" testId="ntp-stratum">{s.stratum}</Row>
            <Row label="Reference" testId="ntp-reference">
              {s.reference === 'LOCAL' ? "the cell's own clock (LOCAL)" : s.reference || '—'}
            </Row>
            <Row label="Clock offset" testId="ntp-offset">{formatOffset(s.offset_s)}</Row>
            <Row label="Leap second">{LEAP[s.leap]}</Row>
          </>
        ) : null}
      </dl>
      {s.running ? (
        <>
          <div>
            <h3 className="mb-1 text-sm font-semibold text-slate-900">Sources</h3>
            <SourcesTable sources={s.sources} />
          </div>
          <div>
            <h3 className="mb-1 text-sm font-semibold text-slate-900">Clients</h3>
            <ClientsTable clients={s.clients} />
          </div>
        </>
      ) : null}
      <p className="text-xs text-slate-500">Refreshed every {Math.round(refetchMs / 1000)} s.</p>
    </div>
  );
}
