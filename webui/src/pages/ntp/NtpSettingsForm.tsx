// chrony's settings (config section `ntp`): upstream servers, the local
// stratum served when none answers, and the networks allowed to ask. Only
// changed parts are sent, as {ntp: {...}}; the API names a bad item with its
// index ("ntp.servers[1]"), shown next to that item.
import { useState, type FormEvent } from 'react';
import type { ConfigUpdateBody, ConfigUpdateResult, NtpSettings } from '../../api';
import { ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { TextField } from '../../components/Field';
import { ListEditor } from '../../components/ListEditor';
import { SaveOutcome } from '../../components/SaveOutcome';
import { splitApiError, type FieldErrors } from '../../lib/fieldErrors';
import { checkCidr, checkIntText, checkNtpServer } from '../../lib/validate';

export const MAX_SERVERS = 8;
export const MAX_ALLOW = 16;

type Draft = { servers: string[]; local_stratum: string; allow: string[] };

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Every field name the API may give for this form, items included. */
function fieldNames(d: Draft): string[] {
  return [
    'ntp',
    'ntp.servers',
    'ntp.local_stratum',
    'ntp.allow',
    ...d.servers.map((_, i) => `ntp.servers[${i}]`),
    ...d.allow.map((_, i) => `ntp.allow[${i}]`),
  ];
}

function checkList(prefix: string, items: string[], check: (v: string) => string | null, errs: FieldErrors) {
  items.forEach((v, i) => {
    const msg = check(v) ?? (items.indexOf(v) < i ? 'Listed twice.' : null);
    if (msg) errs[`${prefix}[${i}]`] = msg;
  });
}

export function validateNtp(d: Draft): FieldErrors {
  const errs: FieldErrors = {};
  if (d.servers.length > MAX_SERVERS) errs['ntp.servers'] = `At most ${MAX_SERVERS} servers.`;
  if (d.allow.length > MAX_ALLOW) errs['ntp.allow'] = `At most ${MAX_ALLOW} networks.`;
  checkList('ntp.servers', d.servers, checkNtpServer, errs);
  checkList('ntp.allow', d.allow, checkCidr, errs);
  const st = checkIntText(d.local_stratum, 0, 15);
  if (st) errs['ntp.local_stratum'] = st;
  return errs;
}

export function buildNtpBody(d: Draft, base: NtpSettings): ConfigUpdateBody {
  const ntp: NonNullable<ConfigUpdateBody['ntp']> = {};
  if (!sameList(d.servers, base.servers)) ntp.servers = d.servers;
  if (d.local_stratum !== String(base.local_stratum)) ntp.local_stratum = Number(d.local_stratum);
  if (!sameList(d.allow, base.allow)) ntp.allow = d.allow;
  return { ntp };
}

/** The errors of one list's items, by index. */
function itemErrors(errors: FieldErrors, prefix: string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [k, v] of Object.entries(errors)) {
    const m = new RegExp(`^${prefix.replace('.', '\\.')}\\[(\\d+)\\]$`).exec(k);
    if (m) out[Number(m[1])] = v;
  }
  return out;
}

export function NtpSettingsForm({
  settings,
  save,
  saving,
  readOnly = false,
}: {
  settings: NtpSettings;
  save: (body: ConfigUpdateBody) => Promise<ConfigUpdateResult>;
  saving: boolean;
  readOnly?: boolean;
}) {
  const [edits, setEdits] = useState<Partial<Draft>>({});
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [result, setResult] = useState<ConfigUpdateResult | null>(null);
  const d: Draft = {
    servers: edits.servers ?? settings.servers,
    local_stratum: edits.local_stratum ?? String(settings.local_stratum),
    allow: edits.allow ?? settings.allow,
  };
  const changed = Object.keys(buildNtpBody(d, settings).ntp ?? {}).length;

  function set<K extends keyof Draft>(k: K, v: Draft[K]) {
    setEdits((e) => ({ ...e, [k]: v }));
    // A list's item errors go with any change to it (indexes move).
    setErrors((e) =>
      Object.fromEntries(Object.entries(e).filter(([f]) => f !== 'ntp' && f !== `ntp.${k}` && !f.startsWith(`ntp.${k}[`))),
    );
    setResult(null);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    setResult(null);
    const errs = validateNtp(d);
    setErrors(errs);
    if (Object.keys(errs).length || changed === 0) return;
    try {
      const r = await save(buildNtpBody(d, settings));
      setEdits({});
      setResult(r);
    } catch (err) {
      const split = splitApiError(err, fieldNames(d));
      setErrors(split.fieldErrors);
      setFormError(split.formError);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label="NTP settings" className="space-y-5">
      {formError ? <ErrorAlert error={formError} prefix="Not saved" /> : null}
      {errors.ntp ? <ErrorAlert error={new Error(errors.ntp)} prefix="Not saved" /> : null}
      {result ? <SaveOutcome result={result} /> : null}
      <div className="grid gap-6 md:grid-cols-2">
        <ListEditor
          legend="Upstream servers"
          hint={`Used as pools; at most ${MAX_SERVERS}.`}
          items={d.servers}
          onChange={(v) => set('servers', v)}
          itemLabel={(i) => `Server ${i + 1}`}
          errors={itemErrors(errors, 'ntp.servers')}
          listError={errors['ntp.servers']}
          max={MAX_SERVERS}
          addLabel="Add server"
          placeholder="pool.ntp.org"
          disabled={readOnly}
        />
        <ListEditor
          legend="Allowed client networks"
          hint={`Besides the VPN and the DHCP interface's subnet; at most ${MAX_ALLOW}.`}
          items={d.allow}
          onChange={(v) => set('allow', v)}
          itemLabel={(i) => `Network ${i + 1}`}
          errors={itemErrors(errors, 'ntp.allow')}
          listError={errors['ntp.allow']}
          max={MAX_ALLOW}
          addLabel="Add network"
          placeholder="192.168.1.0/24"
          disabled={readOnly}
        />
      </div>
      <TextField
        label="Local stratum"
        name="ntp.local_stratum"
        inputMode="numeric"
        className="w-48"
        disabled={readOnly}
        value={d.local_stratum}
        onChange={(e) => set('local_stratum', e.target.value.trim())}
        error={errors['ntp.local_stratum']}
        hint="1–15: serve the cell's own clock when no server answers; 0: never"
      />
      {readOnly ? null : (
        <div className="flex items-center gap-3">
          <Button type="submit" variant="primary" disabled={saving || changed === 0}>
            {saving ? 'Saving…' : 'Save NTP settings'}
          </Button>
          {changed ? (
            <Button
              variant="ghost"
              onClick={() => {
                setEdits({});
                setErrors({});
              }}
            >
              Reset
            </Button>
          ) : null}
        </div>
      )}
    </form>
  );
}
