// Settings: the configuration form, the pending changes with apply and
// confirm, and the outcome of the last apply.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { api, type ConfigUpdateBody } from '../../api';
import { keys, useConfig, usePending } from '../../app/queries';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Card, Loading, PageHeader } from '../../components/Card';
import { ApplyStatusPanel } from './ApplyStatusPanel';
import { ConfigForm } from './ConfigForm';
import { PendingPanel } from './PendingPanel';

export function SettingsPage() {
  const qc = useQueryClient();
  const config = useConfig();
  // While a confirm window is open, follow the server (it may roll back by itself).
  const pending = usePending((q) => (q.state.data?.confirm ? 3000 : false));
  const [windowTotal, setWindowTotal] = useState<number | undefined>(undefined);
  const [notice, setNotice] = useState<string | null>(null);

  const refreshAll = useCallback(() => {
    void qc.invalidateQueries({ queryKey: keys.config });
    void qc.invalidateQueries({ queryKey: keys.pending });
    void qc.invalidateQueries({ queryKey: keys.revisionsAll });
    void qc.invalidateQueries({ queryKey: keys.applyStatus });
  }, [qc]);

  const save = useMutation({
    mutationFn: (body: ConfigUpdateBody) => api.updateConfig(body),
    onSuccess: (r) => {
      qc.setQueryData(keys.config, r.config);
      qc.setQueryData(keys.pending, r.pending);
      void qc.invalidateQueries({ queryKey: keys.revisionsAll });
    },
  });
  const apply = useMutation({
    mutationFn: (timeout: number) => api.apply(timeout),
    onMutate: (timeout) => {
      setNotice(null);
      setWindowTotal(timeout);
    },
    onSuccess: (w) => {
      qc.setQueryData(keys.pending, { changes: {}, confirm: w });
      refreshAll();
    },
  });
  const confirm = useMutation({
    mutationFn: () => api.confirm(),
    onSuccess: (r) => {
      setNotice(`Confirmed: revision #${r.revision} is kept.`);
      qc.setQueryData(keys.pending, { changes: {}, confirm: null });
      refreshAll();
    },
    onError: refreshAll,
  });
  const discard = useMutation({
    mutationFn: () => api.discardPending(),
    onSuccess: () => {
      setNotice('Staged changes discarded.');
      refreshAll();
    },
  });

  const onExpire = useCallback(() => {
    setNotice('The confirm window ran out; the cell restores the previous configuration.');
    refreshAll();
  }, [refreshAll]);

  return (
    <>
      <PageHeader title="Settings" />
      <div className="space-y-4">
        <Card title="Pending changes" labelledBy="pending-heading">
          {notice ? (
            <div className="mb-3">
              <Alert tone="info">{notice}</Alert>
            </div>
          ) : null}
          {pending.isPending ? <Loading what="pending changes" /> : null}
          <ErrorAlert error={pending.error} prefix="Cannot load pending changes" />
          {pending.data ? (
            <PendingPanel
              pending={pending.data}
              receivedAt={pending.dataUpdatedAt}
              windowTotal={windowTotal}
              onApply={(t) => apply.mutate(t)}
              onDiscard={() => discard.mutate()}
              onConfirm={() => confirm.mutate()}
              onExpire={onExpire}
              applying={apply.isPending}
              discarding={discard.isPending}
              confirming={confirm.isPending}
              error={apply.error ?? confirm.error ?? discard.error}
            />
          ) : null}
        </Card>
        <Card title="Configuration" labelledBy="config-heading">
          {config.isPending ? <Loading what="the configuration" /> : null}
          <ErrorAlert error={config.error} prefix="Cannot load the configuration" />
          {config.data ? (
            <ConfigForm
              config={config.data}
              pending={pending.data}
              save={(b) => save.mutateAsync(b)}
              saving={save.isPending}
            />
          ) : null}
        </Card>
        <Card title="Last apply" labelledBy="apply-heading">
          <ApplyStatusPanel />
        </Card>
      </div>
    </>
  );
}
