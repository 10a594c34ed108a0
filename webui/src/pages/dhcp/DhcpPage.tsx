// DHCP: its settings (part of the config), the reservations, and the live
// table of leases.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { keys, useConfig, useSaveConfig } from '../../app/queries';
import { useSession } from '../../app/RequireAuth';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Card, Loading, PageHeader } from '../../components/Card';
import { DhcpSettingsForm } from './DhcpSettingsForm';
import { LeasesPanel } from './LeasesPanel';
import { ReservationForm, ReservationsList } from './Reservations';

export function DhcpPage({ leaseRefetchMs }: { leaseRefetchMs?: number } = {}) {
  const me = useSession();
  const isAdmin = me.role === 'admin';
  const config = useConfig();
  const save = useSaveConfig();
  const interfaces = useQuery({ queryKey: keys.dhcpInterfaces, queryFn: () => api.dhcpInterfaces(), staleTime: 30_000 });
  const reservations = useQuery({ queryKey: keys.dhcpReservations, queryFn: () => api.dhcpReservations() });
  const [added, setAdded] = useState<string | null>(null);
  const zone = config.data ? `${config.data.cell_name}.${config.data.domain}` : '';

  return (
    <>
      <PageHeader title="DHCP">
        {config.data ? (
          <p className="text-sm text-slate-600" data-testid="dhcp-state">
            {config.data.dhcp.enabled ? `On, serving ${config.data.dhcp.interface}` : 'Off'}
          </p>
        ) : null}
      </PageHeader>
      <div className="space-y-4">
        <Card title="Settings" labelledBy="dhcp-settings-heading">
          {config.isPending ? <Loading what="the configuration" /> : null}
          <ErrorAlert error={config.error} prefix="Cannot load the configuration" />
          {config.data ? (
            <DhcpSettingsForm
              settings={config.data.dhcp}
              interfaces={interfaces.data?.interfaces}
              interfacesError={interfaces.error}
              save={(b) => save.mutateAsync(b)}
              saving={save.isPending}
              readOnly={!isAdmin}
            />
          ) : null}
        </Card>
        <Card title="Reservations" labelledBy="dhcp-reservations-heading">
          <div className="space-y-4">
            {isAdmin ? <ReservationForm zone={zone} onDone={(r) => setAdded(`Reservation of ${r.ip} for ${r.mac} added.`)} /> : null}
            {added ? <Alert tone="success">{added}</Alert> : null}
            {reservations.isPending ? <Loading what="reservations" /> : null}
            <ErrorAlert error={reservations.error} prefix="Cannot load the reservations" />
            {reservations.data ? (
              <ReservationsList reservations={reservations.data.reservations} zone={zone} isAdmin={isAdmin} />
            ) : null}
          </div>
        </Card>
        <Card title="Leases" labelledBy="dhcp-leases-heading">
          <LeasesPanel isAdmin={isAdmin} dhcpEnabled={config.data?.dhcp.enabled} refetchMs={leaseRefetchMs} />
        </Card>
      </div>
    </>
  );
}
