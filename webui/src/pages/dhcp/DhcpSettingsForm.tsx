// DHCP's settings (config section `dhcp`): on or off, the interface served
// (picked from the machine's, with their addresses), the range, the router
// and the lease time. Only changed fields are sent, as {dhcp: {...}}; the
// API's refusals name the field ("dhcp.range_start") and are shown there.
import { useState, type FormEvent } from 'react';
import type { ConfigUpdateBody, ConfigUpdateResult, DhcpInterface, DhcpSettings } from '../../api';
import { ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { CheckboxField, SelectField, TextField } from '../../components/Field';
import { SaveOutcome } from '../../components/SaveOutcome';
import { runChecks, splitApiError, type FieldErrors } from '../../lib/fieldErrors';
import { formatDuration } from '../../lib/format';
import {
  checkIntText,
  checkOptionalIPv4,
  inSubnet,
  intToIp,
  ipToInt,
  isIPv4,
  parseCidr,
} from '../../lib/validate';

type Key = 'enabled' | 'interface' | 'range_start' | 'range_end' | 'router' | 'lease_time';
const KEYS: Key[] = ['enabled', 'interface', 'range_start', 'range_end', 'router', 'lease_time'];
export const DHCP_FIELDS = ['dhcp', ...KEYS.map((k) => `dhcp.${k}`)];

type Draft = { enabled: boolean; interface: string; range_start: string; range_end: string; router: string; lease_time: string };

function toDraft(s: DhcpSettings): Draft {
  return { ...s, lease_time: String(s.lease_time) };
}

/** "192.168.1.2/24" -> "192.168.1.0/24". */
export function networkOf(cidr: string): string {
  const c = parseCidr(cidr);
  return c ? `${intToIp(c.network)}/${c.prefix}` : cidr;
}

export function validateDhcp(d: Draft, ifaces: DhcpInterface[] | undefined): FieldErrors {
  const errs = runChecks({
    range_start: () => checkOptionalIPv4(d.range_start),
    range_end: () => checkOptionalIPv4(d.range_end),
    router: () => checkOptionalIPv4(d.router),
    lease_time: () => checkIntText(d.lease_time, 120, 31536000),
  });
  if (d.enabled) {
    if (d.interface === '') errs.interface ??= 'Pick the interface to serve.';
    if (d.range_start === '') errs.range_start ??= 'Required to serve DHCP.';
    if (d.range_end === '') errs.range_end ??= 'Required to serve DHCP.';
  }
  // As the API checks when DHCP is on: range and router inside the subnet of
  // the interface's (first) address, the range around the cell's own address.
  const iface = ifaces?.find((i) => i.name === d.interface);
  const own = iface?.addresses[0];
  if (d.enabled && own) {
    const net = networkOf(own);
    for (const k of ['range_start', 'range_end', 'router'] as const) {
      const v = d[k];
      if (!errs[k] && isIPv4(v) && !inSubnet(v, own)) errs[k] = `Not a host of ${net} (${iface.name}).`;
    }
  }
  const ordered = !errs.range_start && !errs.range_end && isIPv4(d.range_start) && isIPv4(d.range_end);
  if (ordered && ipToInt(d.range_end) < ipToInt(d.range_start)) errs.range_end = 'The range ends before it starts.';
  if (ordered && d.enabled && own && !errs.range_end) {
    const a = ipToInt(own.split('/')[0]!);
    if (a >= ipToInt(d.range_start) && a <= ipToInt(d.range_end))
      errs.range_start = `The range includes the cell's own address ${own.split('/')[0]} on ${iface!.name}.`;
  }
  return Object.fromEntries(Object.entries(errs).map(([k, v]) => [`dhcp.${k}`, v]));
}

export function buildDhcpBody(d: Draft, changed: Key[]): ConfigUpdateBody {
  const dhcp: NonNullable<ConfigUpdateBody['dhcp']> = {};
  for (const k of changed) {
    if (k === 'enabled') dhcp.enabled = d.enabled;
    else if (k === 'lease_time') dhcp.lease_time = Number(d.lease_time);
    else dhcp[k] = d[k];
  }
  return { dhcp };
}

function ifaceLabel(i: DhcpInterface): string {
  return i.addresses.length ? `${i.name} — ${i.addresses.join(', ')}` : `${i.name} — no IPv4 address`;
}

export function DhcpSettingsForm({
  settings,
  interfaces,
  interfacesError,
  save,
  saving,
  readOnly = false,
}: {
  settings: DhcpSettings;
  interfaces: DhcpInterface[] | undefined;
  interfacesError?: unknown;
  save: (body: ConfigUpdateBody) => Promise<ConfigUpdateResult>;
  saving: boolean;
  readOnly?: boolean;
}) {
  const base = toDraft(settings);
  const [edits, setEdits] = useState<Partial<Draft>>({});
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [result, setResult] = useState<ConfigUpdateResult | null>(null);
  const d: Draft = { ...base, ...edits };
  const changed = KEYS.filter((k) => edits[k] !== undefined && edits[k] !== base[k]);

  function set<K extends Key>(k: K, v: Draft[K]) {
    setEdits((e) => ({ ...e, [k]: v }));
    setErrors((e) => {
      const rest = { ...e };
      delete rest[`dhcp.${k}`];
      delete rest.dhcp;
      return rest;
    });
    setResult(null);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    setResult(null);
    const errs = validateDhcp(d, interfaces);
    setErrors(errs);
    if (Object.keys(errs).length || changed.length === 0) return;
    try {
      const r = await save(buildDhcpBody(d, changed));
      setEdits({});
      setResult(r);
    } catch (err) {
      const split = splitApiError(err, DHCP_FIELDS);
      setErrors(split.fieldErrors);
      setFormError(split.formError);
    }
  }

  const known = d.interface === '' || (interfaces?.some((i) => i.name === d.interface) ?? true);
  const iface = interfaces?.find((i) => i.name === d.interface);
  const subnets = iface?.addresses[0] ? networkOf(iface.addresses[0]) : undefined;
  const leaseS = Number(d.lease_time);
  return (
    <form onSubmit={submit} noValidate aria-label="DHCP settings" className="space-y-4">
      {formError ? <ErrorAlert error={formError} prefix="Not saved" /> : null}
      {errors.dhcp ? <ErrorAlert error={new Error(errors.dhcp)} prefix="Not saved" /> : null}
      {result ? <SaveOutcome result={result} /> : null}
      <fieldset disabled={readOnly} className="space-y-4">
        <CheckboxField
          label="Serve DHCP on the LAN"
          name="dhcp.enabled"
          checked={d.enabled}
          onChange={(e) => set('enabled', e.target.checked)}
          error={errors['dhcp.enabled']}
          hint="Off by default. Clients get the cell as their DNS server and names under lan."
        />
        <div className="grid gap-4 md:grid-cols-2">
          <SelectField
            label="Interface"
            name="dhcp.interface"
            value={d.interface}
            onChange={(e) => set('interface', e.target.value)}
            error={errors['dhcp.interface']}
            hint={
              interfacesError
                ? 'The list of interfaces could not be loaded.'
                : !known
                  ? `${d.interface} is not on this machine now.`
                  : subnets
                    ? `Serves ${subnets}.`
                    : 'The network DHCP answers on.'
            }
          >
            <option value="">(none)</option>
            {interfaces?.map((i) => (
              <option key={i.name} value={i.name}>
                {ifaceLabel(i)}
              </option>
            ))}
            {!known ? <option value={d.interface}>{`${d.interface} — not found`}</option> : null}
          </SelectField>
          <TextField
            label="Lease time (s)"
            name="dhcp.lease_time"
            inputMode="numeric"
            value={d.lease_time}
            onChange={(e) => set('lease_time', e.target.value.trim())}
            error={errors['dhcp.lease_time']}
            hint={Number.isFinite(leaseS) && leaseS > 0 ? `${formatDuration(leaseS)}; 120 s to a year` : '120 s to a year'}
          />
          <TextField
            label="Range start"
            name="dhcp.range_start"
            autoComplete="off"
            value={d.range_start}
            onChange={(e) => set('range_start', e.target.value.trim())}
            error={errors['dhcp.range_start']}
            hint={subnets ? `A host of ${subnets}` : 'The first address handed out'}
          />
          <TextField
            label="Range end"
            name="dhcp.range_end"
            autoComplete="off"
            value={d.range_end}
            onChange={(e) => set('range_end', e.target.value.trim())}
            error={errors['dhcp.range_end']}
            hint="The last address handed out"
          />
          <TextField
            label="Router"
            name="dhcp.router"
            autoComplete="off"
            value={d.router}
            onChange={(e) => set('router', e.target.value.trim())}
            error={errors['dhcp.router']}
            hint="The gateway clients use; empty: the cell's address on the interface"
          />
        </div>
      </fieldset>
      {readOnly ? null : (
        <div className="flex items-center gap-3">
          <Button type="submit" variant="primary" disabled={saving || changed.length === 0}>
            {saving ? 'Saving…' : 'Save DHCP settings'}
          </Button>
          {changed.length ? (
            <>
              <span className="text-sm text-slate-600">{changed.length} changed</span>
              <Button
                variant="ghost"
                onClick={() => {
                  setEdits({});
                  setErrors({});
                }}
              >
                Reset
              </Button>
            </>
          ) : null}
        </div>
      )}
    </form>
  );
}
