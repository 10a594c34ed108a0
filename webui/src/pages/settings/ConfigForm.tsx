// The cell's identity, addresses and ports. Only changed fields are sent;
// public_endpoint applies at once, the rest is staged (see PendingPanel).
import { useState, type FormEvent } from 'react';
import type { Config, ConfigUpdateBody, ConfigUpdateResult, Pending } from '../../api';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { TextField } from '../../components/Field';
import { runChecks, splitApiError, type FieldErrors } from '../../lib/fieldErrors';
import { formatValue } from '../../lib/format';
import {
  checkDomain,
  checkIpRange,
  checkName,
  checkPort,
  checkPublicEndpoint,
  checkVpnAddress,
} from '../../lib/validate';

const IDENTITY = [
  { key: 'cell_name', label: 'Cell name', hint: 'Lowercase letters, digits and -; names become <service>.<cell>.<domain>.' },
  { key: 'domain', label: 'Domain', hint: 'e.g. cell or home.example' },
  { key: 'vpn_address', label: 'VPN address', hint: "The cell's address and prefix in the VPN, e.g. 10.0.0.1/24" },
  { key: 'ip_range', label: 'Service IP range', hint: 'A private network for service IPs, e.g. 172.20.0.0/24' },
  { key: 'public_endpoint', label: 'Public endpoint', hint: 'Hostname or IPv4 that peers dial; applies at once. Empty: none.' },
] as const;

const PORTS = ['ui', 'api', 'dns', 'dhcp', 'ntp', 'wireguard', 'smtp', 'submission', 'imaps', 'http', 'https'] as const;

type IdentityKey = (typeof IDENTITY)[number]['key'];
type PortKey = (typeof PORTS)[number];
export const CONFIG_FIELDS: string[] = [...IDENTITY.map((f) => f.key), ...PORTS.map((p) => `ports.${p}`)];

function toDraft(c: Config): Record<string, string> {
  const d: Record<string, string> = {};
  for (const f of IDENTITY) d[f.key] = String(c[f.key]);
  for (const p of PORTS) d[`ports.${p}`] = String(c.ports[p]);
  return d;
}

export function validateConfigDraft(values: Record<string, string>, changed: string[]): FieldErrors {
  const checks: Record<string, () => string | null> = {};
  for (const k of changed) {
    const v = values[k] ?? '';
    if (k === 'cell_name') checks[k] = () => checkName(v);
    else if (k === 'domain') checks[k] = () => checkDomain(v);
    else if (k === 'vpn_address') checks[k] = () => checkVpnAddress(v);
    else if (k === 'ip_range') checks[k] = () => checkIpRange(v, values.vpn_address);
    else if (k === 'public_endpoint') checks[k] = () => checkPublicEndpoint(v);
    else if (k.startsWith('ports.')) checks[k] = () => checkPort(v, k === 'ports.dhcp');
  }
  return runChecks(checks);
}

export function buildConfigBody(values: Record<string, string>, changed: string[]): ConfigUpdateBody {
  const body: ConfigUpdateBody = {};
  const ports: Partial<Record<PortKey, number>> = {};
  for (const k of changed) {
    if (k.startsWith('ports.')) ports[k.slice(6) as PortKey] = Number(values[k]);
    else body[k as IdentityKey] = values[k] ?? '';
  }
  if (Object.keys(ports).length) body.ports = ports;
  return body;
}

export function ConfigForm({
  config,
  pending,
  save,
  saving,
}: {
  config: Config;
  pending: Pending | undefined;
  save: (body: ConfigUpdateBody) => Promise<ConfigUpdateResult>;
  saving: boolean;
}) {
  const base = toDraft(config);
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [result, setResult] = useState<ConfigUpdateResult | null>(null);
  const values = { ...base, ...edits };
  const changed = Object.keys(edits).filter((k) => edits[k] !== base[k]);

  function set(k: string, v: string) {
    setEdits((e) => ({ ...e, [k]: v }));
    setErrors((e) => {
      const { [k]: _drop, ...rest } = e;
      return rest;
    });
    setResult(null);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    setResult(null);
    const errs = validateConfigDraft(values, changed);
    setErrors(errs);
    if (Object.keys(errs).length || changed.length === 0) return;
    try {
      const r = await save(buildConfigBody(values, changed));
      setEdits({});
      setResult(r);
    } catch (err) {
      const { fieldErrors, formError: fe } = splitApiError(err, CONFIG_FIELDS);
      setErrors(fieldErrors);
      setFormError(fe);
    }
  }

  const stagedHint = (k: string) => {
    const c = pending?.changes[k];
    return c ? `Staged: ${formatValue(c.to)} (not applied yet)` : null;
  };

  return (
    <form onSubmit={submit} noValidate className="space-y-5" aria-label="Cell settings">
      {formError ? <ErrorAlert error={formError} prefix="Not saved" /> : null}
      {result && result.config.revision === config.revision ? (
        <Alert tone="success">
          {result.applied.length ? `Applied: ${result.applied.join(', ')}. ` : ''}
          {result.staged.length ? `Staged: ${result.staged.join(', ')} — review and apply them below.` : ''}
          {!result.applied.length && !result.staged.length ? 'Saved.' : ''}
        </Alert>
      ) : null}
      <fieldset>
        <legend className="text-sm font-semibold text-slate-900">Identity and addresses</legend>
        <div className="mt-2 grid gap-4 md:grid-cols-2">
          {IDENTITY.map((f) => (
            <TextField
              key={f.key}
              label={f.label}
              name={f.key}
              value={values[f.key] ?? ''}
              onChange={(e) => set(f.key, e.target.value.trim())}
              error={errors[f.key]}
              hint={stagedHint(f.key) ?? f.hint}
              autoComplete="off"
              spellCheck={false}
            />
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend className="text-sm font-semibold text-slate-900">Ports</legend>
        <div className="mt-2 grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-6">
          {PORTS.map((p) => {
            const k = `ports.${p}`;
            return (
              <TextField
                key={k}
                label={p}
                name={k}
                inputMode="numeric"
                value={values[k] ?? ''}
                onChange={(e) => set(k, e.target.value.trim())}
                error={errors[k]}
                hint={stagedHint(k) ?? (p === 'dhcp' ? '0 = off' : undefined)}
              />
            );
          })}
        </div>
      </fieldset>
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" disabled={saving || changed.length === 0}>
          {saving ? 'Saving…' : 'Save'}
        </Button>
        {changed.length ? (
          <>
            <span className="text-sm text-slate-600">{changed.length} changed</span>
            <Button variant="ghost" onClick={() => { setEdits({}); setErrors({}); }}>
              Reset
            </Button>
          </>
        ) : null}
      </div>
    </form>
  );
}
