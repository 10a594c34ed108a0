// The history: revisions newest first, paged with ?limit&before, each with
// its diff and a rollback behind a confirmation step.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type Revision } from '../../api';
import { keys } from '../../app/queries';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Card, Loading, PageHeader } from '../../components/Card';
import { ConfirmAction } from '../../components/ConfirmAction';
import { TextField } from '../../components/Field';
import { SearchBox } from '../../components/ListControls';
import { formatTime, formatValue } from '../../lib/format';
import { search } from '../../lib/paginate';
import { DiffView } from './DiffView';

export const PAGE_SIZE = 20;

function revisionText(r: Revision): string {
  const diff = r.diff.changes.map((c) => `${c.entity} ${c.key} ${formatValue(c.before)} ${formatValue(c.after)}`);
  return `#${r.number} ${r.actor} ${r.summary} ${diff.join(' ')}`;
}

export function RevisionsPage() {
  const qc = useQueryClient();
  // Each entry is the `before` of a page; the last one is shown.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const before = cursors[cursors.length - 1];
  const [query, setQuery] = useState('');
  const [jump, setJump] = useState('');
  const [jumpError, setJumpError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // One more than a page, to know whether an older page exists.
  const list = useQuery({
    queryKey: keys.revisions(PAGE_SIZE + 1, before),
    queryFn: () => api.revisions(PAGE_SIZE + 1, before),
    placeholderData: keepPreviousData,
  });
  const rows = list.data?.revisions.slice(0, PAGE_SIZE) ?? [];
  const hasOlder = (list.data?.revisions.length ?? 0) > PAGE_SIZE;
  const shown = search(rows, query, revisionText);
  const latest = cursors.length === 1 ? rows[0]?.number : undefined;

  const rollback = useMutation({
    mutationFn: (n: number) => api.rollback(n),
    onMutate: () => setNotice(null),
    onSuccess: (r, n) => {
      setNotice(`Rolled back to revision #${n}; the result is revision #${r.revision}.`);
      setCursors([undefined]);
      void qc.invalidateQueries({ queryKey: keys.revisionsAll });
      void qc.invalidateQueries({ queryKey: keys.config });
      void qc.invalidateQueries({ queryKey: keys.pending });
      void qc.invalidateQueries({ queryKey: keys.applyStatus });
    },
  });

  function goTo(e: FormEvent) {
    e.preventDefault();
    if (!/^[0-9]+$/.test(jump)) {
      setJumpError('A revision number.');
      return;
    }
    setJumpError(null);
    setCursors((c) => [...c, Number(jump) + 1]);
  }

  return (
    <>
      <PageHeader title="Revisions" />
      <Card>
        <div className="mb-3 flex flex-wrap items-end justify-between gap-3">
          <SearchBox label="Filter" value={query} onChange={setQuery} placeholder="summary, actor, key…" />
          <form className="flex items-end gap-2" onSubmit={goTo} noValidate>
            <TextField
              label="Go to revision"
              inputMode="numeric"
              value={jump}
              onChange={(e) => setJump(e.target.value.trim())}
              error={jumpError}
              className="w-36"
            />
            <Button type="submit">Go</Button>
          </form>
        </div>
        {notice ? (
          <div className="mb-3">
            <Alert tone="success">{notice}</Alert>
          </div>
        ) : null}
        <ErrorAlert error={rollback.error} prefix="Rollback failed" />
        {list.isPending ? <Loading what="revisions" /> : null}
        <ErrorAlert error={list.error} prefix="Cannot load revisions" />
        {list.data ? (
          <>
            {query && shown.length === 0 ? (
              <p className="text-sm text-slate-600">No revision on this page matches “{query}”.</p>
            ) : null}
            <ol className="divide-y divide-slate-200" aria-label="Revisions">
              {shown.map((r) => (
                <li key={r.number} className="py-3" data-revision={r.number}>
                  <div className="flex flex-wrap items-start justify-between gap-2">
                    <div>
                      <p className="text-sm font-semibold text-slate-900">
                        #{r.number} <span className="font-normal text-slate-700">{r.summary || '(no summary)'}</span>
                      </p>
                      <p className="text-xs text-slate-500">
                        {formatTime(r.time)} · {r.actor} · {r.diff.changes.length} change
                        {r.diff.changes.length === 1 ? '' : 's'}
                      </p>
                    </div>
                    {r.number === latest ? (
                      <span className="rounded bg-slate-100 px-2 py-1 text-xs text-slate-600">current</span>
                    ) : (
                      <ConfirmAction
                        label={`Roll back to #${r.number}`}
                        question={`Restore the configuration as of #${r.number}? Users and tokens stay as they are.`}
                        confirmLabel="Roll back"
                        onConfirm={() => rollback.mutate(r.number)}
                        busy={rollback.isPending}
                      />
                    )}
                  </div>
                  <details className="mt-2 group">
                    <summary className="cursor-pointer text-sm text-sky-800 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-600">
                      Diff of #{r.number}
                    </summary>
                    <div className="mt-2">
                      <DiffView changes={r.diff.changes} caption={`Changes in revision ${r.number}`} />
                    </div>
                  </details>
                </li>
              ))}
            </ol>
            <nav aria-label="Revision pages" className="mt-3 flex items-center justify-between gap-2 text-sm">
              <p className="text-slate-600">
                {rows.length ? `Revisions #${rows[0]!.number} – #${rows[rows.length - 1]!.number}` : 'No revisions'}
              </p>
              <div className="flex gap-2">
                <Button onClick={() => setCursors([undefined])} disabled={cursors.length === 1}>
                  Latest
                </Button>
                <Button onClick={() => setCursors((c) => c.slice(0, -1))} disabled={cursors.length === 1}>
                  Newer
                </Button>
                <Button
                  onClick={() => setCursors((c) => [...c, rows[rows.length - 1]!.number])}
                  disabled={!hasOlder || rows.length === 0}
                >
                  Older
                </Button>
              </div>
            </nav>
          </>
        ) : null}
      </Card>
    </>
  );
}
