// The outcome of the last reconcile: files written or removed, and how each
// service took it.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { keys } from '../../app/queries';
import { ErrorAlert } from '../../components/Alert';
import { Loading } from '../../components/Card';
import { formatTime } from '../../lib/format';

export function ApplyStatusPanel() {
  const q = useQuery({ queryKey: keys.applyStatus, queryFn: () => api.applyStatus(), refetchInterval: 10_000 });
  if (q.isPending) return <Loading what="the last apply" />;
  if (q.isError) return <ErrorAlert error={q.error} prefix="Cannot load the last apply" />;
  const s = q.data;
  const totals = (
    <p className="text-xs text-slate-500">
      Since picd started: {s.totals.writes} file writes, {s.totals.reloads} reloads.
    </p>
  );
  if (s.revision === null)
    return (
      <div className="space-y-2 text-sm">
        <p className="text-slate-600">Nothing applied since picd started.</p>
        {totals}
      </div>
    );
  return (
    <div className="space-y-2 text-sm">
      <p>
        Revision #{s.revision} at {formatTime(s.time)}:{' '}
        <strong className={s.ok ? 'text-emerald-800' : 'text-red-700'}>{s.ok ? 'applied' : 'failed'}</strong>
      </p>
      {s.files.length ? (
        <ul className="list-inside list-disc text-slate-700">
          {s.files.map((f) => (
            <li key={f.path}>
              <span className="font-mono">{f.path}</span> ({f.service}): {f.action}
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-slate-600">No file changed.</p>
      )}
      {s.services.length ? (
        <ul className="text-slate-700">
          {s.services.map((v) => (
            <li key={v.name}>
              {v.name}: {v.action} — {v.ok ? 'ok' : <span className="text-red-700">{v.error ?? 'failed'}</span>}
            </li>
          ))}
        </ul>
      ) : null}
      {totals}
    </div>
  );
}
