// The managed services: state, uptime (ticking between refreshes), restarts
// and, in the detailed form, the last exit and actions.
import type { ReactNode } from 'react';
import type { Service } from '../../api';
import { StateBadge } from '../../components/StateBadge';
import { formatDuration, formatTime } from '../../lib/format';
import { useNow } from '../../lib/useNow';

export function lastExitText(s: Service): string {
  const e = s.last_exit;
  if (!e) return '—';
  const how = e.signal ? `killed by ${e.signal}` : `exit code ${e.code ?? '?'}`;
  return `${how} at ${formatTime(e.time)}`;
}

export function ServicesTable({
  services,
  fetchedAt,
  detailed = false,
  actions,
}: {
  services: Service[];
  /** When the data was fetched (ms), to advance uptimes between refreshes. */
  fetchedAt: number;
  detailed?: boolean;
  actions?: (s: Service) => ReactNode;
}) {
  const now = useNow(1000);
  const elapsed = Math.max(0, Math.floor((now - fetchedAt) / 1000));
  if (services.length === 0) return <p className="text-sm text-slate-600">No managed services.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <thead>
          <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <th scope="col" className="py-2 pr-4">Service</th>
            <th scope="col" className="py-2 pr-4">State</th>
            <th scope="col" className="py-2 pr-4">Uptime</th>
            <th scope="col" className="py-2 pr-4">Restarts</th>
            {detailed ? (
              <>
                <th scope="col" className="py-2 pr-4">PID</th>
                <th scope="col" className="py-2 pr-4">Last exit</th>
              </>
            ) : null}
            {actions ? <th scope="col" className="py-2"><span className="sr-only">Actions</span></th> : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {services.map((s) => (
            <tr key={s.name} data-service={s.name}>
              <th scope="row" className="py-2 pr-4 text-left font-medium text-slate-900">
                {s.name}
                <div className="text-xs font-normal text-slate-500">{s.description}</div>
              </th>
              <td className="py-2 pr-4">
                <StateBadge state={s.state} />
                {s.state === 'backoff' && s.next_start_in_s !== null ? (
                  <div className="text-xs text-slate-500">next start in {formatDuration(s.next_start_in_s)}</div>
                ) : null}
              </td>
              <td className="py-2 pr-4 tabular-nums" data-testid="uptime">
                {s.uptime_s === null ? '—' : formatDuration(s.uptime_s + elapsed)}
              </td>
              <td className="py-2 pr-4 tabular-nums" data-testid="restarts">{s.restarts}</td>
              {detailed ? (
                <>
                  <td className="py-2 pr-4 tabular-nums">{s.pid ?? '—'}</td>
                  <td className="py-2 pr-4 text-slate-700">{lastExitText(s)}</td>
                </>
              ) : null}
              {actions ? <td className="py-2 text-right">{actions(s)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
