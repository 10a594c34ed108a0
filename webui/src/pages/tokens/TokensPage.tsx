// API tokens: search and pages, create (the secret is shown once), revoke.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type Scope, type TokenCreateBody, type TokenCreated } from '../../api';
import { keys } from '../../app/queries';
import { useSession } from '../../app/RequireAuth';
import { Alert, ErrorAlert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Card, Loading, PageHeader } from '../../components/Card';
import { ConfirmAction } from '../../components/ConfirmAction';
import { SelectField, TextField } from '../../components/Field';
import { Pager, SearchBox } from '../../components/ListControls';
import { useListView } from '../../components/useListView';
import { runChecks, splitApiError, type FieldErrors } from '../../lib/fieldErrors';
import { formatTime } from '../../lib/format';
import { checkIntRange, checkName, checkUsername } from '../../lib/validate';

const FIELDS = ['name', 'scope', 'expires_in_days', 'username'];

export function CreateTokenForm({ isAdmin, onCreated }: { isAdmin: boolean; onCreated: (t: TokenCreated) => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('read');
  const [days, setDays] = useState('');
  const [owner, setOwner] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useMutation({
    mutationFn: (body: TokenCreateBody) => api.createToken(body),
    onSuccess: (t) => {
      setName('');
      setDays('');
      setOwner('');
      void qc.invalidateQueries({ queryKey: keys.tokensAll });
      onCreated(t);
    },
    onError: (err) => setErrors(splitApiError(err, FIELDS).fieldErrors),
  });
  const formError = create.error ? splitApiError(create.error, FIELDS).formError : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    const errs = runChecks({
      name: () => checkName(name),
      expires_in_days: () => (days === '' ? null : checkIntRange(days, 1, 3650)),
      username: () => (owner === '' ? null : checkUsername(owner)),
    });
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const body: TokenCreateBody = { name, scope };
    if (days !== '') body.expires_in_days = Number(days);
    if (owner !== '') body.username = owner;
    create.mutate(body);
  }

  return (
    <form onSubmit={submit} noValidate aria-label="New token" className="space-y-3">
      {formError ? <ErrorAlert error={formError} prefix="Not created" /> : null}
      <div className={`grid gap-3 md:items-start ${isAdmin ? 'md:grid-cols-[1fr_9rem_9rem_1fr_auto]' : 'md:grid-cols-[1fr_9rem_9rem_auto]'}`}>
        <TextField
          label="Name"
          name="name"
          autoComplete="off"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.name}
          hint="a-z 0-9 -, up to 32"
        />
        <SelectField label="Scope" name="scope" value={scope} onChange={(e) => setScope(e.target.value as Scope)} error={errors.scope}>
          <option value="read">read</option>
          <option value="write">write</option>
          {isAdmin ? <option value="admin">admin</option> : null}
        </SelectField>
        <TextField
          label="Expires in (days)"
          name="expires_in_days"
          inputMode="numeric"
          value={days}
          onChange={(e) => setDays(e.target.value.trim())}
          error={errors.expires_in_days}
          hint="empty: never"
        />
        {isAdmin ? (
          <TextField
            label="Owner"
            name="username"
            value={owner}
            onChange={(e) => setOwner(e.target.value.trim())}
            error={errors.username}
            hint="empty: you"
          />
        ) : null}
        <div className="md:pt-6">
          <Button type="submit" variant="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create token'}
          </Button>
        </div>
      </div>
    </form>
  );
}

function NewSecret({ token, onDismiss }: { token: TokenCreated; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm" role="status">
      <p className="font-medium text-emerald-900">
        Token “{token.name}” created. Copy it now: it is not shown again.
      </p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code className="break-all rounded bg-white px-2 py-1 font-mono text-xs ring-1 ring-emerald-300" data-testid="token-secret">
          {token.token}
        </code>
        {navigator.clipboard ? (
          <Button
            onClick={() => {
              void navigator.clipboard.writeText(token.token).then(() => setCopied(true));
            }}
          >
            {copied ? 'Copied' : 'Copy'}
          </Button>
        ) : null}
        <Button variant="ghost" onClick={onDismiss}>
          Done
        </Button>
      </div>
    </div>
  );
}

export function TokensPage() {
  const me = useSession();
  const isAdmin = me.role === 'admin';
  const qc = useQueryClient();
  const [all, setAll] = useState(false);
  const tokens = useQuery({ queryKey: keys.tokens(all), queryFn: () => api.listTokens(all) });
  const view = useListView(tokens.data?.tokens ?? [], (t) => `${t.name} ${t.username} ${t.scope} ${t.id}`, 10);
  const [created, setCreated] = useState<TokenCreated | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => api.deleteToken(id),
    onMutate: () => setNotice(null),
    onSuccess: () => setNotice('Token revoked.'),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.tokensAll }),
  });

  return (
    <>
      <PageHeader title="API tokens" />
      <div className="space-y-4">
        <Card title="New token" labelledBy="new-token-heading">
          <p className="mb-3 text-sm text-slate-600">
            Use a token as <code className="font-mono">Authorization: Bearer …</code>. read: GET only; write: also changes
            that need no admin; admin: everything.
          </p>
          {created ? (
            <div className="mb-3">
              <NewSecret token={created} onDismiss={() => setCreated(null)} />
            </div>
          ) : null}
          <CreateTokenForm isAdmin={isAdmin} onCreated={setCreated} />
        </Card>
        <Card
          title={all ? 'All tokens' : 'Your tokens'}
          labelledBy="tokens-heading"
          actions={
            <>
              {isAdmin ? (
                <label className="flex items-center gap-1.5 text-sm text-slate-700">
                  <input
                    type="checkbox"
                    checked={all}
                    onChange={(e) => setAll(e.target.checked)}
                    className="h-4 w-4 rounded border-slate-300 text-sky-700 focus:ring-sky-600"
                  />
                  Everyone's
                </label>
              ) : null}
              <SearchBox label="Search" value={view.query} onChange={view.setQuery} />
            </>
          }
        >
          {notice ? (
            <div className="mb-3">
              <Alert tone="success">{notice}</Alert>
            </div>
          ) : null}
          <ErrorAlert error={revoke.error} prefix="Not revoked" />
          {tokens.isPending ? <Loading what="tokens" /> : null}
          <ErrorAlert error={tokens.error} prefix="Cannot load tokens" />
          {tokens.data && view.total === 0 ? (
            <p className="text-sm text-slate-600">
              {view.query ? `No token matches “${view.query}”.` : 'No tokens yet.'}
            </p>
          ) : null}
          {tokens.data && view.total > 0 ? (
            <>
              <div className="overflow-x-auto">
                <table className="min-w-full divide-y divide-slate-200 text-sm">
                  <thead>
                    <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                      <th scope="col" className="py-2 pr-4">Name</th>
                      <th scope="col" className="py-2 pr-4">Owner</th>
                      <th scope="col" className="py-2 pr-4">Scope</th>
                      <th scope="col" className="py-2 pr-4">Created</th>
                      <th scope="col" className="py-2 pr-4">Expires</th>
                      <th scope="col" className="py-2 pr-4">Last used</th>
                      <th scope="col" className="py-2"><span className="sr-only">Actions</span></th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {view.items.map((t) => (
                      <tr key={t.id} data-token={t.name}>
                        <th scope="row" className="py-2 pr-4 text-left font-medium">{t.name}</th>
                        <td className="py-2 pr-4">{t.username}</td>
                        <td className="py-2 pr-4">{t.scope}</td>
                        <td className="py-2 pr-4 text-slate-600">{formatTime(t.created_at)}</td>
                        <td className="py-2 pr-4 text-slate-600">{t.expires_at ? formatTime(t.expires_at) : 'never'}</td>
                        <td className="py-2 pr-4 text-slate-600">{t.last_used_at ? formatTime(t.last_used_at) : 'never'}</td>
                        <td className="py-2 text-right">
                          <ConfirmAction
                            label="Revoke"
                            question={`Revoke ${t.name}?`}
                            confirmLabel={`Revoke ${t.name}`}
                            onConfirm={() => revoke.mutate(t.id)}
                            busy={revoke.isPending}
                          />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager {...view} onPage={view.setPage} noun="tokens" />
            </>
          ) : null}
        </Card>
      </div>
    </>
  );
}
