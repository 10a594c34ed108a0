// One revision's diff: entity, key, before and after, one row per change.
import type { Change } from '../../api';
import { formatValue } from '../../lib/format';

function kind(c: Change): 'added' | 'removed' | 'changed' {
  if (c.before === null || c.before === undefined) return 'added';
  if (c.after === null || c.after === undefined) return 'removed';
  return 'changed';
}

const ROW: Record<ReturnType<typeof kind>, string> = {
  added: 'bg-emerald-50/60',
  removed: 'bg-red-50/60',
  changed: '',
};

export function DiffView({ changes, caption }: { changes: Change[]; caption?: string }) {
  if (changes.length === 0) return <p className="text-sm text-slate-600">No changes recorded.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <th scope="col" className="py-1.5 pr-4">Entity</th>
            <th scope="col" className="py-1.5 pr-4">Key</th>
            <th scope="col" className="py-1.5 pr-4">Before</th>
            <th scope="col" className="py-1.5">After</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 font-mono text-xs">
          {changes.map((c, i) => (
            <tr key={`${c.entity}/${c.key}/${i}`} data-kind={kind(c)} className={ROW[kind(c)]}>
              <td className="py-1.5 pr-4 font-sans text-slate-600">{c.entity}</td>
              <td className="py-1.5 pr-4 font-medium text-slate-900">{c.key}</td>
              <td className="py-1.5 pr-4 text-red-800">
                <span className="sr-only">before: </span>
                {formatValue(c.before)}
              </td>
              <td className="py-1.5 text-emerald-800">
                <span className="sr-only">after: </span>
                {formatValue(c.after)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
