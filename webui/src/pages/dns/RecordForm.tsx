// One record of the zone, new or edited: the fields its type has (priority
// for MX and SRV, weight and port for SRV), checked as the API checks them;
// the API's field errors (400, and 409 when it names a field) go next to
// that field, other refusals above the form.
import { useState, type FormEvent } from 'react';
import { isApiError, type DnsRecord, type DnsRecordBody, type DnsRecordType } from '../../api';
import { ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { SelectField, TextField } from '../../components/Field';
import { runChecks, splitApiError, type FieldErrors } from '../../lib/fieldErrors';
import { checkDnsName, checkDnsValue, checkIntRange, checkIntText, checkPort } from '../../lib/validate';

export const DNS_TYPES: DnsRecordType[] = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV'];
const FIELDS = ['name', 'type', 'value', 'ttl', 'priority', 'weight', 'port'];

const VALUE_HINT: Record<DnsRecordType, string> = {
  A: 'An IPv4 address, e.g. 192.0.2.7',
  AAAA: 'An IPv6 address, e.g. 2001:db8::7',
  CNAME: 'The name this one stands for: www, or host.example.org. (trailing dot: outside the zone)',
  TXT: 'Text, up to 1024 bytes',
  MX: 'The mail server: mail, or mx.example.org.',
  SRV: 'The target host: sip, or sip.example.org.',
};

export const hasPriority = (t: DnsRecordType) => t === 'MX' || t === 'SRV';
export const hasWeightPort = (t: DnsRecordType) => t === 'SRV';

type Draft = { name: string; type: DnsRecordType; value: string; ttl: string; priority: string; weight: string; port: string };

function toDraft(r: DnsRecord | undefined): Draft {
  return {
    name: r?.name ?? '',
    type: r?.type ?? 'A',
    value: r?.value ?? '',
    ttl: String(r?.ttl ?? 300),
    priority: String(r?.priority ?? 10),
    weight: String(r?.weight ?? 0),
    port: r?.port === undefined ? '' : String(r.port),
  };
}

export function validateRecord(d: Draft): FieldErrors {
  return runChecks({
    name: () => checkDnsName(d.name, d.type),
    value: () => checkDnsValue(d.value, d.type),
    ttl: () => (d.ttl === '' ? null : checkIntRange(d.ttl, 0, 86400)),
    priority: () => (hasPriority(d.type) ? checkIntText(d.priority, 0, 65535) : null),
    weight: () => (hasWeightPort(d.type) ? checkIntText(d.weight, 0, 65535) : null),
    port: () => (hasWeightPort(d.type) ? (d.port === '' ? 'Required.' : checkPort(d.port)) : null),
  });
}

/** The request body: only the fields the type has (the API refuses the others). */
export function buildRecordBody(d: Draft): DnsRecordBody {
  const body: DnsRecordBody = { name: d.name, type: d.type, value: d.value };
  if (d.ttl !== '') body.ttl = Number(d.ttl);
  if (hasPriority(d.type)) body.priority = Number(d.priority);
  if (hasWeightPort(d.type)) {
    body.weight = Number(d.weight);
    body.port = Number(d.port);
  }
  return body;
}

/** `www` in zone `test.cell` -> `www.test.cell`; `@` -> the zone. */
export function fqdnOf(name: string, zone: string): string {
  if (!zone) return name;
  return name === '@' ? zone : `${name}.${zone}`;
}

export function RecordForm({
  record,
  zone,
  save,
  onSaved,
  onCancel,
}: {
  /** The record to edit; none for a new one. */
  record?: DnsRecord;
  /** `<cell_name>.<domain>`, to show the full name as it is typed. */
  zone: string;
  save: (body: DnsRecordBody) => Promise<DnsRecord>;
  onSaved: (r: DnsRecord) => void;
  onCancel?: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(record));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const editing = record !== undefined;
  const t = draft.type;

  function set<K extends keyof Draft>(k: K, v: Draft[K]) {
    setDraft((d) => ({ ...d, [k]: v }));
    setErrors((e) => {
      const rest: FieldErrors = { ...e };
      delete rest[k];
      // A new type judges name and value anew.
      if (k === 'type') {
        delete rest.name;
        delete rest.value;
      }
      return rest;
    });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    const d: Draft = { ...draft, name: draft.name.trim(), value: t === 'TXT' ? draft.value : draft.value.trim() };
    const errs = validateRecord(d);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const saved = await save(buildRecordBody(d));
      if (!editing) setDraft((x) => ({ ...toDraft(undefined), type: x.type, ttl: x.ttl }));
      onSaved(saved);
    } catch (err) {
      const split = splitApiError(err, FIELDS);
      setErrors(split.fieldErrors);
      setFormError(split.formError);
    } finally {
      setBusy(false);
    }
  }

  const conflict = isApiError(formError) && formError.code === 'conflict';
  const name = draft.name.trim();
  return (
    <form onSubmit={submit} noValidate aria-label={record ? `Edit record ${record.fqdn}` : 'New record'} className="space-y-3">
      {formError ? (
        <ErrorAlert
          error={formError}
          prefix={conflict ? 'Conflicts with the zone' : editing ? 'Not saved' : 'Not created'}
        />
      ) : null}
      <div className="grid gap-3 md:grid-cols-[minmax(10rem,1fr)_7rem_minmax(12rem,2fr)_6rem] md:items-start">
        <TextField
          label="Name"
          name="name"
          autoComplete="off"
          spellCheck={false}
          value={draft.name}
          onChange={(e) => set('name', e.target.value)}
          error={errors.name}
          hint={
            name && !checkDnsName(name, t) ? (
              <>
                Full name: <span className="font-mono" data-testid="fqdn-preview">{fqdnOf(name, zone)}</span>
              </>
            ) : t === 'SRV' ? (
              '_service._proto, e.g. _sip._tcp'
            ) : (
              "Relative to the zone; '@' for the zone itself"
            )
          }
        />
        <SelectField label="Type" name="type" value={t} onChange={(e) => set('type', e.target.value as DnsRecordType)} error={errors.type}>
          {DNS_TYPES.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Value"
          name="value"
          autoComplete="off"
          spellCheck={false}
          value={draft.value}
          onChange={(e) => set('value', e.target.value)}
          error={errors.value}
          hint={VALUE_HINT[t]}
        />
        <TextField
          label="TTL (s)"
          name="ttl"
          inputMode="numeric"
          value={draft.ttl}
          onChange={(e) => set('ttl', e.target.value.trim())}
          error={errors.ttl}
          hint="0–86400"
        />
      </div>
      {hasPriority(t) ? (
        <div className="grid gap-3 sm:grid-cols-3 md:w-2/3">
          <TextField
            label="Priority"
            name="priority"
            inputMode="numeric"
            value={draft.priority}
            onChange={(e) => set('priority', e.target.value.trim())}
            error={errors.priority}
            hint="Lower is tried first"
          />
          {hasWeightPort(t) ? (
            <>
              <TextField
                label="Weight"
                name="weight"
                inputMode="numeric"
                value={draft.weight}
                onChange={(e) => set('weight', e.target.value.trim())}
                error={errors.weight}
                hint="Share among equal priorities"
              />
              <TextField
                label="Port"
                name="port"
                inputMode="numeric"
                value={draft.port}
                onChange={(e) => set('port', e.target.value.trim())}
                error={errors.port}
              />
            </>
          ) : null}
        </div>
      ) : null}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={busy}>
          {busy ? 'Saving…' : editing ? 'Save record' : 'Create record'}
        </Button>
        {onCancel ? <Button onClick={onCancel}>Cancel</Button> : null}
      </div>
    </form>
  );
}
