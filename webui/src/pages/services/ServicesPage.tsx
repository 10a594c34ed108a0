// Services: each one's state, restarts and last exit, a Restart button
// (admins), and the live log of the one selected.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, isApiError, type Service } from '../../api';
import { useServices, keys } from '../../app/queries';
import { useSession } from '../../app/RequireAuth';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Card, Loading, PageHeader } from '../../components/Card';
import { LogView } from './LogView';
import { ServicesTable } from './ServicesTable';

type Outcome = { tone: 'success' | 'info' | 'error'; text: string; error?: unknown };

export function ServicesPage() {
  const me = useSession();
  const isAdmin = me.role === 'admin';
  const qc = useQueryClient();
  const services = useServices(3000);
  const [params, setParams] = useSearchParams();
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const restart = useMutation({
    mutationFn: (name: string) => api.restartService(name),
    onMutate: () => setOutcome(null),
    onSuccess: (svc: Service) => {
      qc.setQueryData(keys.services, (old: { services: Service[] } | undefined) =>
        old ? { services: old.services.map((s) => (s.name === svc.name ? svc : s)) } : old,
      );
      setOutcome({ tone: 'success', text: `Restart of ${svc.name} requested (${svc.state}).` });
    },
    onError: (err, name) => {
      // Restarting the proxy that carries this page can cut the answer off.
      if (isApiError(err) && (err.code === 'network' || [502, 503, 504].includes(err.status))) {
        setOutcome({ tone: 'info', text: `The connection dropped while ${name} restarted; its state below is refreshed.` });
      } else {
        setOutcome({ tone: 'error', text: `Cannot restart ${name}`, error: err });
      }
    },
    onSettled: () => qc.invalidateQueries({ queryKey: keys.services }),
  });

  const list = services.data?.services ?? [];
  const logService = isAdmin ? (params.get('log') ?? list[0]?.name ?? null) : null;

  return (
    <>
      <PageHeader title="Services" />
      <Card title="Managed services" labelledBy="managed-heading">
        {services.isPending ? <Loading what="services" /> : null}
        <ErrorAlert error={services.error} prefix="Cannot load the services" />
        {outcome ? (
          <div className="mb-3">
            {outcome.error ? (
              <ErrorAlert error={outcome.error} prefix={outcome.text} />
            ) : (
              <Alert tone={outcome.tone}>{outcome.text}</Alert>
            )}
          </div>
        ) : null}
        {services.data ? (
          <ServicesTable
            services={list}
            fetchedAt={services.dataUpdatedAt}
            detailed
            actions={
              isAdmin
                ? (s) => (
                    <div className="flex justify-end gap-2">
                      <Button
                        onClick={() => setParams({ log: s.name })}
                        aria-pressed={logService === s.name}
                        aria-label={`Show the log of ${s.name}`}
                      >
                        Log
                      </Button>
                      <Button
                        variant="primary"
                        onClick={() => restart.mutate(s.name)}
                        disabled={s.state === 'disabled' || (restart.isPending && restart.variables === s.name)}
                        title={s.state === 'disabled' ? 'Turned off in the configuration' : undefined}
                        aria-label={`Restart ${s.name}`}
                      >
                        {restart.isPending && restart.variables === s.name ? 'Restarting…' : 'Restart'}
                      </Button>
                    </div>
                  )
                : undefined
            }
          />
        ) : null}
      </Card>
      {logService ? (
        <Card title={`Live log: ${logService}`} labelledBy="log-heading" className="mt-4">
          <LogView key={logService} service={logService} />
        </Card>
      ) : null}
    </>
  );
}
