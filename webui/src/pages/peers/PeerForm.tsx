// Adding a peer (name, an optional own public key, and its settings) and
// editing one's settings (services, tunnel, keepalive, expiry). Checked as
// the API checks; the API's field errors go next to their field, other
// refusals above the form.
import { useId, useState, type FormEvent } from 'react';
import type { Peer, PeerCreateBody, PeerService, PeerUpdateBody } from '../../api';
import { ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { CheckboxField, TextField } from '../../components/Field';
import { runChecks, splitApiError, type FieldErrors } from '../../lib/fieldErrors';
import { formatRelative, formatTime } from '../../lib/format';
import {
  KEEPALIVE_DEFAULT,
  PEER_SERVICES,
  SERVICE_LABEL,
  checkExpiry,
  checkKeepalive,
  checkPeerName,
  checkPublicKey,
  isoFromLocalInput,
  localInputFromIso,
  sortServices,
} from './peerFields';

const FIELDS = ['name', 'ip', 'public_key', 'services', 'full_tunnel', 'keepalive', 'enabled', 'expires'];

export type Settings = { services: PeerService[]; full_tunnel: boolean; keepalive: string; expires: string };

function settingsOf(p: Peer | undefined): Settings {
  return {
    services: p ? sortServices(p.services) : [...PEER_SERVICES],
    full_tunnel: p?.full_tunnel ?? false,
    keepalive: String(p?.keepalive ?? KEEPALIVE_DEFAULT),
    expires: localInputFromIso(p?.expires ?? null),
  };
}

function checkSettings(s: Settings, nowMs: number, expiresTouched: boolean) {
  return {
    keepalive: () => checkKeepalive(s.keepalive),
    // An expiry left as it was is not judged again (it may have passed).
    expires: () => (expiresTouched ? checkExpiry(s.expires, nowMs) : null),
  };
}

function useErrors() {
  const [errors, setErrors] = useState<FieldErrors>({});
  const clear = (k: string) =>
    setErrors((e) => {
      if (!(k in e)) return e;
      const rest = { ...e };
      delete rest[k];
      return rest;
    });
  return { errors, setErrors, clear };
}

/** Services, tunnel, keepalive and expiry: the fields adding and editing share. */
function SettingsFields({
  value,
  onChange,
  errors,
  idPrefix,
}: {
  value: Settings;
  onChange: <K extends keyof Settings>(k: K, v: Settings[K]) => void;
  errors: FieldErrors;
  idPrefix: string;
}) {
  const servicesErrorId = `${idPrefix}-services-error`;
  const expiresIso = isoFromLocalInput(value.expires);
  return (
    <div className="grid gap-4 md:grid-cols-[minmax(14rem,1fr)_minmax(14rem,1fr)]">
      <fieldset aria-describedby={errors.services ? servicesErrorId : undefined} aria-invalid={errors.services ? true : undefined}>
        <legend className="text-sm font-medium text-slate-700">Services</legend>
        <p className="mt-0.5 text-xs text-slate-500">What the peer may reach in the cell.</p>
        {errors.services ? (
          <p id={servicesErrorId} className="mt-1 text-xs font-medium text-red-700">
            {errors.services}
          </p>
        ) : null}
        <div className="mt-2 grid grid-cols-2 gap-x-4 gap-y-1 sm:grid-cols-3">
          {PEER_SERVICES.map((s) => (
            <CheckboxField
              key={s}
              id={`${idPrefix}-svc-${s}`}
              label={SERVICE_LABEL[s]}
              name={`service-${s}`}
              checked={value.services.includes(s)}
              onChange={(e) =>
                onChange('services', sortServices(e.target.checked ? [...value.services, s] : value.services.filter((x) => x !== s)))
              }
            />
          ))}
        </div>
      </fieldset>
      <div className="space-y-3">
        <CheckboxField
          id={`${idPrefix}-full-tunnel`}
          label="Full tunnel"
          name="full_tunnel"
          checked={value.full_tunnel}
          onChange={(e) => onChange('full_tunnel', e.target.checked)}
          error={errors.full_tunnel}
          hint="All of the device's traffic goes through the cell; otherwise only the cell's own subnets."
        />
        <div className="grid gap-3 sm:grid-cols-[8rem_1fr]">
          <TextField
            id={`${idPrefix}-keepalive`}
            label="Keepalive (s)"
            name="keepalive"
            inputMode="numeric"
            value={value.keepalive}
            onChange={(e) => onChange('keepalive', e.target.value.trim())}
            error={errors.keepalive}
            hint="0 for off; 25 behind NAT"
          />
          <div>
            <TextField
              id={`${idPrefix}-expires`}
              label="Expires"
              name="expires"
              type="datetime-local"
              value={value.expires}
              onChange={(e) => onChange('expires', e.target.value)}
              error={errors.expires}
              hint={
                expiresIso ? (
                  <>
                    <span data-testid="expires-utc">{formatTime(expiresIso)}</span> ({formatRelative(expiresIso, Date.now())})
                  </>
                ) : (
                  'Your local time; empty for never'
                )
              }
            />
            {value.expires ? (
              <Button variant="ghost" className="mt-1 px-1 py-0.5 text-xs" onClick={() => onChange('expires', '')}>
                Never expire
              </Button>
            ) : null}
          </div>
        </div>
      </div>
    </div>
  );
}

/** The fields of an edit that differ from the peer (PUT replaces only what it is given). */
export function changedFields(peer: Peer, s: Settings): PeerUpdateBody {
  const body: PeerUpdateBody = {};
  const services = sortServices(s.services);
  if (services.join() !== sortServices(peer.services).join()) body.services = services;
  if (s.full_tunnel !== peer.full_tunnel) body.full_tunnel = s.full_tunnel;
  if (Number(s.keepalive) !== peer.keepalive) body.keepalive = Number(s.keepalive);
  if (s.expires !== localInputFromIso(peer.expires)) body.expires = isoFromLocalInput(s.expires) ?? null;
  return body;
}

export function AddPeerForm({
  zone,
  create,
  onCreated,
}: {
  /** `<cell_name>.<domain>`, to show the peer's DNS name as it is typed. */
  zone: string;
  create: (body: PeerCreateBody) => Promise<Peer>;
  onCreated: (p: Peer) => void;
}) {
  const idPrefix = useId();
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [settings, setSettings] = useState<Settings>(() => settingsOf(undefined));
  const { errors, setErrors, clear } = useErrors();
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    const errs = runChecks({
      name: () => checkPeerName(name),
      public_key: () => checkPublicKey(publicKey),
      ...checkSettings(settings, Date.now(), true),
    });
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const body: PeerCreateBody = {
      name,
      services: settings.services,
      full_tunnel: settings.full_tunnel,
      keepalive: Number(settings.keepalive),
    };
    if (publicKey) body.public_key = publicKey;
    const expires = isoFromLocalInput(settings.expires);
    if (expires) body.expires = expires;
    setBusy(true);
    try {
      const peer = await create(body);
      setName('');
      setPublicKey('');
      setSettings(settingsOf(undefined));
      onCreated(peer);
    } catch (err) {
      const split = splitApiError(err, FIELDS);
      setErrors(split.fieldErrors);
      setFormError(split.formError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Add peer" className="space-y-4">
      {formError ? <ErrorAlert error={formError} prefix="Not added" /> : null}
      <div className="grid gap-3 md:grid-cols-[minmax(10rem,1fr)_minmax(16rem,2fr)] md:items-start">
        <TextField
          label="Name"
          name="name"
          autoComplete="off"
          spellCheck={false}
          value={name}
          onChange={(e) => {
            setName(e.target.value.trim());
            clear('name');
          }}
          error={errors.name}
          hint={
            name && !checkPeerName(name) && zone ? (
              <>
                DNS name: <span className="font-mono" data-testid="peer-fqdn-preview">{`${name}.peers.${zone}`}</span>
              </>
            ) : (
              'e.g. phone or laura-laptop'
            )
          }
        />
        <TextField
          label="Public key (optional)"
          name="public_key"
          autoComplete="off"
          spellCheck={false}
          className="[&_input]:font-mono"
          value={publicKey}
          onChange={(e) => {
            setPublicKey(e.target.value.trim());
            clear('public_key');
          }}
          error={errors.public_key}
          hint="Empty: the cell makes the key pair and the config holds the private key. Or paste the device's own public key."
        />
      </div>
      <SettingsFields
        value={settings}
        idPrefix={idPrefix}
        errors={errors}
        onChange={(k, v) => {
          setSettings((s) => ({ ...s, [k]: v }));
          clear(k);
        }}
      />
      <Button type="submit" variant="primary" disabled={busy}>
        {busy ? 'Adding…' : 'Add peer'}
      </Button>
    </form>
  );
}

export function EditPeerForm({
  peer,
  save,
  onSaved,
  onCancel,
}: {
  peer: Peer;
  save: (body: PeerUpdateBody) => Promise<Peer>;
  /** The peer as stored now; null when nothing had changed (no request made). */
  onSaved: (p: Peer | null) => void;
  onCancel: () => void;
}) {
  const idPrefix = useId();
  const [settings, setSettings] = useState<Settings>(() => settingsOf(peer));
  const { errors, setErrors, clear } = useErrors();
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    const errs = runChecks(checkSettings(settings, Date.now(), settings.expires !== localInputFromIso(peer.expires)));
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const body = changedFields(peer, settings);
    if (Object.keys(body).length === 0) {
      onSaved(null);
      return;
    }
    setBusy(true);
    try {
      onSaved(await save(body));
    } catch (err) {
      const split = splitApiError(err, FIELDS);
      setErrors(split.fieldErrors);
      setFormError(split.formError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label={`Edit peer ${peer.name}`} className="space-y-4">
      {formError ? <ErrorAlert error={formError} prefix="Not saved" /> : null}
      <SettingsFields
        value={settings}
        idPrefix={idPrefix}
        errors={errors}
        onChange={(k, v) => {
          setSettings((s) => ({ ...s, [k]: v }));
          clear(k);
        }}
      />
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save peer'}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
