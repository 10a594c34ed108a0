// The cell at a glance: identity, addresses, and each service's state.
import type { ReactNode } from 'react';
import { useConfig, useServices } from '../../app/queries';
import { ErrorAlert } from '../../components/Alert';
import { Card, Loading, PageHeader } from '../../components/Card';
import { ServicesTable } from '../services/ServicesTable';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex justify-between gap-4 py-1.5">
      <dt className="text-slate-500">{label}</dt>
      <dd className="text-right font-medium text-slate-900">{children}</dd>
    </div>
  );
}

export function DashboardPage() {
  const config = useConfig();
  const services = useServices();
  const c = config.data;

  return (
    <>
      <PageHeader title="Dashboard" />
      <div className="grid gap-4 md:grid-cols-2">
        <Card title="Cell" labelledBy="cell-heading">
          {config.isPending ? <Loading what="the configuration" /> : null}
          <ErrorAlert error={config.error} prefix="Cannot load the configuration" />
          {c ? (
            <dl className="divide-y divide-slate-100 text-sm">
              <Row label="Name">
                <span data-testid="cell-fqdn">{`${c.cell_name}.${c.domain}`}</span>
              </Row>
              <Row label="Profile">{c.profile}</Row>
              <Row label="VPN address">{c.vpn_address}</Row>
              <Row label="Service IP range">{c.ip_range}</Row>
              <Row label="Public endpoint">{c.public_endpoint || <span className="text-slate-500">not set</span>}</Row>
              <Row label="Revision">#{c.revision}</Row>
            </dl>
          ) : null}
        </Card>
        <Card title="Service IPs" labelledBy="ips-heading">
          {c ? (
            <dl className="divide-y divide-slate-100 text-sm">
              {Object.entries(c.service_ips).map(([name, ip]) => (
                <Row key={name} label={name}>
                  <span className="font-mono">{ip}</span>
                </Row>
              ))}
            </dl>
          ) : config.isPending ? (
            <Loading what="service IPs" />
          ) : null}
        </Card>
      </div>
      <Card title="Services" labelledBy="services-heading" className="mt-4">
        {services.isPending ? <Loading what="services" /> : null}
        <ErrorAlert error={services.error} prefix="Cannot load the services" />
        {services.data ? (
          <ServicesTable services={services.data.services} fetchedAt={services.dataUpdatedAt} />
        ) : null}
      </Card>
    </>
  );
}
