// DHCP reservations: a fixed address for a MAC, and with a name a host
// under lan.<zone>. Searchable and paged in memory; admins add, edit (address
// and name) and delete, with the API's field errors next to the field.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type DhcpReservation } from '../../api';
import { keys } from '../../app/queries';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { ConfirmAction } from '../../components/ConfirmAction';
import { TextField } from '../../components/Field';
import { Pager, SearchBox } from '../../components/ListControls';
import { useListView } from '../../components/useListView';
import { runChecks, splitApiError, type FieldErrors } from '../../lib/fieldErrors';
import { checkHostLabel, checkIPv4, checkMac } from '../../lib/validate';

const FIELDS = ['mac', 'ip', 'name'];

/** The name a reservation gives its host, or null without one. */
export function reservationFqdn(name: string, zone: string): string | null {
  if (!name) return null;
  return zone ? `${name}.lan.${zone}` : `${name}.lan`;
}

function useInvalidateDhcp() {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: keys.dhcpReservations });
    void qc.invalidateQueries({ queryKey: keys.dhcpLeases });
    void qc.invalidateQueries({ queryKey: keys.revisionsAll });
  };
}

export function ReservationForm({
  zone,
  existing,
  onDone,
  onCancel,
}: {
  zone: string;
  /** The reservation to edit (its MAC stays); none for a new one. */
  existing?: DhcpReservation;
  onDone: (r: DhcpReservation, verb: string) => void;
  onCancel?: () => void;
}) {
  const invalidate = useInvalidateDhcp();
  const [mac, setMac] = useState(existing?.mac ?? '');
  const [ip, setIp] = useState(existing?.ip ?? '');
  const [name, setName] = useState(existing?.name ?? '');
  const [errors, setErrors] = useState<FieldErrors>({});
  const edit = (field: string, setter: (v: string) => void) => (v: string) => {
    setter(v);
    setErrors((e) => {
      const rest = { ...e };
      delete rest[field];
      return rest;
    });
  };
  const save = useMutation({
    mutationFn: () =>
      existing ? api.updateDhcpReservation(existing.mac, { ip, name }) : api.createDhcpReservation({ mac, ip, name }),
    onSuccess: (r) => {
      if (!existing) {
        setMac('');
        setIp('');
        setName('');
      }
      invalidate();
      onDone(r, existing ? 'saved' : 'added');
    },
    onError: (err) => setErrors(splitApiError(err, FIELDS).fieldErrors),
  });
  const formError = save.error ? splitApiError(save.error, FIELDS).formError : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    const errs = runChecks({
      mac: () => (existing ? null : checkMac(mac)),
      ip: () => checkIPv4(ip),
      name: () => checkHostLabel(name),
    });
    setErrors(errs);
    if (Object.keys(errs).length === 0) save.mutate();
  }

  const fqdn = !checkHostLabel(name) ? reservationFqdn(name, zone) : null;
  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label={existing ? `Edit reservation ${existing.mac}` : 'New reservation'}
      className="space-y-3"
    >
      {formError ? <ErrorAlert error={formError} prefix={existing ? 'Not saved' : 'Not added'} /> : null}
      <div className="grid gap-3 md:grid-cols-[12rem_10rem_1fr_auto] md:items-start">
        {existing ? (
          <div>
            <p className="block text-sm font-medium text-slate-700">MAC</p>
            <p className="mt-1 py-1.5 font-mono text-sm">{existing.mac}</p>
          </div>
        ) : (
          <TextField
            label="MAC"
            name="mac"
            autoComplete="off"
            spellCheck={false}
            value={mac}
            onChange={(e) => edit('mac', setMac)(e.target.value.trim())}
            error={errors.mac}
            hint="e.g. 52:54:00:12:34:56"
          />
        )}
        <TextField
          label="IP address"
          name="ip"
          autoComplete="off"
          value={ip}
          onChange={(e) => edit('ip', setIp)(e.target.value.trim())}
          error={errors.ip}
          hint="Inside the DHCP interface's subnet"
        />
        <TextField
          label="Host name"
          name="name"
          autoComplete="off"
          spellCheck={false}
          value={name}
          onChange={(e) => edit('name', setName)(e.target.value.trim())}
          error={errors.name}
          hint={fqdn ? <span className="font-mono">{fqdn}</span> : 'Optional; one label, e.g. printer'}
        />
        <div className="flex gap-2 md:pt-6">
          <Button type="submit" variant="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : existing ? 'Save reservation' : 'Add reservation'}
          </Button>
          {onCancel ? <Button onClick={onCancel}>Cancel</Button> : null}
        </div>
      </div>
    </form>
  );
}

export function ReservationsList({
  reservations,
  zone,
  isAdmin,
}: {
  reservations: DhcpReservation[];
  zone: string;
  isAdmin: boolean;
}) {
  const invalidate = useInvalidateDhcp();
  const view = useListView(reservations, (r) => `${r.mac} ${r.ip} ${r.name}`, 10);
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: (mac: string) => api.deleteDhcpReservation(mac),
    onMutate: () => setNotice(null),
    onSuccess: (_, mac) => setNotice(`Reservation of ${mac} deleted.`),
    onSettled: invalidate,
  });

  return (
    <div className="space-y-3">
      <div className="flex justify-end">
        <SearchBox label="Search reservations" value={view.query} onChange={view.setQuery} placeholder="MAC, address or name" />
      </div>
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <ErrorAlert error={remove.error} prefix="Not deleted" />
      {reservations.length === 0 ? (
        <p className="text-sm text-slate-600">No reservations.</p>
      ) : (
        <ul className="divide-y divide-slate-200" aria-label="Reservations">
          {view.items.map((r) => (
            <li key={r.mac} className="py-2" data-mac={r.mac}>
              <div className="flex flex-wrap items-center justify-between gap-2">
                <div className="text-sm">
                  <span className="font-mono font-medium text-slate-900">{r.mac}</span>
                  <span className="mx-2 text-slate-400">→</span>
                  <span className="font-mono" data-testid="reservation-ip">{r.ip}</span>
                  {r.name ? (
                    <span className="ml-3 font-mono text-slate-600" data-testid="reservation-fqdn">
                      {reservationFqdn(r.name, zone)}
                    </span>
                  ) : null}
                </div>
                {isAdmin ? (
                  <div className="flex gap-2">
                    <Button
                      onClick={() => setEditing(editing === r.mac ? null : r.mac)}
                      aria-expanded={editing === r.mac}
                      aria-label={`Edit reservation ${r.mac}`}
                    >
                      Edit
                    </Button>
                    <ConfirmAction
                      label="Delete"
                      question={`Delete the reservation of ${r.ip} for ${r.mac}?`}
                      confirmLabel={`Delete ${r.mac}`}
                      onConfirm={() => remove.mutate(r.mac)}
                      busy={remove.isPending && remove.variables === r.mac}
                    />
                  </div>
                ) : null}
              </div>
              {isAdmin && editing === r.mac ? (
                <div className="mt-2 rounded-md bg-slate-50 p-3">
                  <ReservationForm
                    zone={zone}
                    existing={r}
                    onDone={(saved) => {
                      setEditing(null);
                      setNotice(`Reservation of ${saved.mac} saved.`);
                    }}
                    onCancel={() => setEditing(null)}
                  />
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {reservations.length > 0 ? <Pager {...view} onPage={view.setPage} noun="reservations" /> : null}
    </div>
  );
}
