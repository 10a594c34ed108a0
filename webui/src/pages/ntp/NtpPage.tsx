// NTP: chrony's live status, and its settings (part of the config).
import { useConfig, useSaveConfig } from '../../app/queries';
import { useSession } from '../../app/RequireAuth';
import { ErrorAlert } from '../../components/Alert';
import { Card, Loading, PageHeader } from '../../components/Card';
import { NtpSettingsForm } from './NtpSettingsForm';
import { NtpStatusPanel } from './NtpStatusPanel';

export function NtpPage({ statusRefetchMs }: { statusRefetchMs?: number } = {}) {
  const me = useSession();
  const config = useConfig();
  const save = useSaveConfig();
  return (
    <>
      <PageHeader title="NTP" />
      <div className="space-y-4">
        <Card title="Status" labelledBy="ntp-status-heading">
          <NtpStatusPanel refetchMs={statusRefetchMs} />
        </Card>
        <Card title="Settings" labelledBy="ntp-settings-heading">
          {config.isPending ? <Loading what="the configuration" /> : null}
          <ErrorAlert error={config.error} prefix="Cannot load the configuration" />
          {config.data ? (
            <NtpSettingsForm
              settings={config.data.ntp}
              save={(b) => save.mutateAsync(b)}
              saving={save.isPending}
              readOnly={me.role !== 'admin'}
            />
          ) : null}
        </Card>
      </div>
    </>
  );
}
