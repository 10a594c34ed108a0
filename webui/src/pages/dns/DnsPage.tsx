// DNS: the records of the cell's zone, searched and paged by the server,
// created, edited and deleted (admins); each shown with its full name.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { api, type DnsRecord, type DnsRecordBody, type DnsRecordList, type DnsRecordType } from '../../api';
import { keys, useConfig } from '../../app/queries';
import { useSession } from '../../app/RequireAuth';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Card, Loading, PageHeader } from '../../components/Card';
import { Pager, SearchBox } from '../../components/ListControls';
import { useDebounced } from '../../lib/useDebounced';
import { DNS_TYPES, RecordForm } from './RecordForm';
import { RecordsTable } from './RecordsTable';

export const PAGE_SIZE = 20;

function TypeFilter({ value, onChange }: { value: string; onChange: (v: DnsRecordType | '') => void }) {
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        Filter by type
      </label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value as DnsRecordType | '')}
        className="rounded-md border-0 bg-white py-1.5 pl-2 pr-7 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-sky-600"
      >
        <option value="">All types</option>
        {DNS_TYPES.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
    </div>
  );
}

export function DnsPage() {
  const me = useSession();
  const isAdmin = me.role === 'admin';
  const qc = useQueryClient();
  const config = useConfig();
  const zone = config.data ? `${config.data.cell_name}.${config.data.domain}` : '';

  const [search, setSearchRaw] = useState('');
  const [type, setTypeRaw] = useState<DnsRecordType | ''>('');
  const [page, setPage] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const q = { search: useDebounced(search.trim(), 250), type, limit: PAGE_SIZE, offset: page * PAGE_SIZE };
  const records = useQuery({
    queryKey: keys.dnsRecords(q),
    queryFn: () =>
      api.dnsRecords({
        limit: q.limit,
        offset: q.offset,
        ...(q.search ? { search: q.search } : {}),
        ...(q.type ? { type: q.type } : {}),
      }),
    placeholderData: keepPreviousData,
  });
  // Everything was deleted past the last page: go to the last one there is.
  const total = records.data?.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  useEffect(() => {
    if (records.data && !records.isPlaceholderData && page > pageCount - 1) setPage(pageCount - 1);
  }, [records.data, records.isPlaceholderData, page, pageCount]);

  const refresh = () => qc.invalidateQueries({ queryKey: keys.dnsRecordsAll });
  const remove = useMutation({
    mutationFn: (r: DnsRecord) => api.deleteDnsRecord(r.id),
    onMutate: () => setNotice(null),
    onSuccess: (_, r) => {
      // Gone from every cached page at once, whatever the refetch below
      // races with (a search typed a moment before, say).
      qc.setQueriesData<DnsRecordList>({ queryKey: keys.dnsRecordsAll }, (old) =>
        old ? { ...old, records: old.records.filter((x) => x.id !== r.id), total: Math.max(0, old.total - 1) } : old,
      );
      setNotice(`Record ${r.fqdn} ${r.type} deleted.`);
    },
    onSettled: refresh,
  });
  const saved = (verb: string) => (r: DnsRecord) => {
    setNotice(`Record ${r.fqdn} ${r.type} ${verb}.`);
    void refresh();
    void qc.invalidateQueries({ queryKey: keys.revisionsAll });
  };

  const list = records.data?.records ?? [];
  const first = total === 0 ? 0 : page * PAGE_SIZE + 1;
  return (
    <>
      <PageHeader title="DNS">
        {zone ? (
          <p className="text-sm text-slate-600">
            Zone <span className="font-mono" data-testid="dns-zone">{zone}</span>
          </p>
        ) : null}
      </PageHeader>
      <div className="space-y-4">
        {isAdmin ? (
          <Card title="New record" labelledBy="new-record-heading">
            <RecordForm
              zone={zone}
              save={(body: DnsRecordBody) => api.createDnsRecord(body)}
              onSaved={saved('created')}
            />
          </Card>
        ) : null}
        <Card
          title="Records"
          labelledBy="records-heading"
          actions={
            <>
              <SearchBox
                label="Search"
                placeholder="name or value"
                value={search}
                onChange={(v) => {
                  setSearchRaw(v);
                  setPage(0);
                }}
              />
              <TypeFilter
                value={type}
                onChange={(v) => {
                  setTypeRaw(v);
                  setPage(0);
                }}
              />
            </>
          }
        >
          {notice ? (
            <div className="mb-3">
              <Alert tone="success">{notice}</Alert>
            </div>
          ) : null}
          <ErrorAlert error={remove.error} prefix="Not deleted" />
          {records.isPending ? <Loading what="records" /> : null}
          <ErrorAlert error={records.error} prefix="Cannot load the records" />
          {records.data ? (
            <>
              <RecordsTable
                records={list}
                zone={zone}
                isAdmin={isAdmin}
                onDelete={(r) => remove.mutate(r)}
                deleting={remove.isPending ? remove.variables?.id : undefined}
                onSaved={saved('saved')}
                emptyText={q.search || q.type ? 'No record matches.' : 'The zone has no records yet.'}
              />
              <Pager
                page={page}
                pageCount={pageCount}
                first={first}
                last={first === 0 ? 0 : first + list.length - 1}
                total={total}
                onPage={setPage}
                noun="records"
              />
            </>
          ) : null}
        </Card>
      </div>
    </>
  );
}
