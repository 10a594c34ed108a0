// The records of one page: full name, type, value (with priority, weight
// and port where the type has them) and TTL; admins edit a row in place
// and delete it after confirming.
import { Fragment, useState } from 'react';
import { api, type DnsRecord } from '../../api';
import { Button } from '../../components/Button';
import { ConfirmAction } from '../../components/ConfirmAction';
import { RecordForm } from './RecordForm';

/** The record's data as a zone file shows it after the type: "10 mail", "1 5 5060 sip". */
export function recordData(r: DnsRecord): string {
  if (r.type === 'MX') return `${r.priority ?? 0} ${r.value}`;
  if (r.type === 'SRV') return `${r.priority ?? 0} ${r.weight ?? 0} ${r.port ?? 0} ${r.value}`;
  return r.value;
}

export function RecordsTable({
  records,
  zone,
  isAdmin,
  onDelete,
  deleting,
  onSaved,
  emptyText,
}: {
  records: DnsRecord[];
  zone: string;
  isAdmin: boolean;
  onDelete: (r: DnsRecord) => void;
  /** The id of the record being deleted. */
  deleting: number | undefined;
  onSaved: (r: DnsRecord) => void;
  emptyText: string;
}) {
  const [editing, setEditing] = useState<number | null>(null);
  if (records.length === 0) return <p className="text-sm text-slate-600">{emptyText}</p>;
  const cols = isAdmin ? 5 : 4;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="DNS records">
        <thead>
          <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <th scope="col" className="py-2 pr-4">Name</th>
            <th scope="col" className="py-2 pr-4">Type</th>
            <th scope="col" className="py-2 pr-4">Value</th>
            <th scope="col" className="py-2 pr-4">TTL</th>
            {isAdmin ? <th scope="col" className="py-2"><span className="sr-only">Actions</span></th> : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {records.map((r) => (
            <Fragment key={r.id}>
              <tr data-record-id={r.id} data-fqdn={r.fqdn}>
                <th scope="row" className="py-2 pr-4 text-left font-mono font-medium text-slate-900">
                  {r.fqdn}
                  {r.name !== '@' ? null : <div className="font-sans text-xs font-normal text-slate-500">the zone itself (@)</div>}
                </th>
                <td className="py-2 pr-4 font-semibold">{r.type}</td>
                <td className="max-w-md break-all py-2 pr-4 font-mono text-slate-700" data-testid="record-value">
                  {recordData(r)}
                </td>
                <td className="py-2 pr-4 tabular-nums">{r.ttl}</td>
                {isAdmin ? (
                  <td className="py-2 text-right">
                    <div className="flex justify-end gap-2">
                      <Button
                        onClick={() => setEditing(editing === r.id ? null : r.id)}
                        aria-expanded={editing === r.id}
                        aria-label={`Edit ${r.fqdn} ${r.type}`}
                      >
                        Edit
                      </Button>
                      <ConfirmAction
                        label="Delete"
                        question={`Delete ${r.fqdn} ${r.type} ${recordData(r)}?`}
                        confirmLabel={`Delete ${r.fqdn}`}
                        onConfirm={() => onDelete(r)}
                        busy={deleting === r.id}
                      />
                    </div>
                  </td>
                ) : null}
              </tr>
              {isAdmin && editing === r.id ? (
                <tr>
                  <td colSpan={cols} className="bg-slate-50 px-3 py-3">
                    <RecordForm
                      record={r}
                      zone={zone}
                      save={(body) => api.updateDnsRecord(r.id, body)}
                      onSaved={(saved) => {
                        setEditing(null);
                        onSaved(saved);
                      }}
                      onCancel={() => setEditing(null)}
                    />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}
