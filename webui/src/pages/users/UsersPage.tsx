// Users (admins only): search and pages, create, change role or password, delete.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type Role, type User } from '../../api';
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
import { checkPassword, checkUsername } from '../../lib/validate';

export function CreateUserForm({ onCreated }: { onCreated: (u: User) => void }) {
  const qc = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useMutation({
    mutationFn: () => api.createUser({ username, password, role }),
    onSuccess: (u) => {
      setUsername('');
      setPassword('');
      setRole('user');
      void qc.invalidateQueries({ queryKey: keys.users });
      onCreated(u);
    },
    onError: (err) => setErrors(splitApiError(err, ['username', 'password', 'role']).fieldErrors),
  });
  const formError = create.error ? splitApiError(create.error, ['username', 'password', 'role']).formError : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    const errs = runChecks({ username: () => checkUsername(username), password: () => checkPassword(password) });
    setErrors(errs);
    if (Object.keys(errs).length === 0) create.mutate();
  }

  return (
    <form onSubmit={submit} noValidate aria-label="New user" className="space-y-3">
      {formError ? <ErrorAlert error={formError} prefix="Not created" /> : null}
      <div className="grid gap-3 md:grid-cols-[1fr_1fr_10rem_auto] md:items-start">
        <TextField
          label="Username"
          name="username"
          autoComplete="off"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          error={errors.username}
          hint="a-z 0-9 _ . -, up to 32"
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
          hint="8 to 256 characters"
        />
        <SelectField label="Role" name="role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={errors.role}>
          <option value="user">user</option>
          <option value="admin">admin</option>
        </SelectField>
        <div className="md:pt-6">
          <Button type="submit" variant="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create user'}
          </Button>
        </div>
      </div>
    </form>
  );
}

function PasswordForm({ user, onDone }: { user: User; onDone: (msg: string) => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: () => api.updateUser(user.username, { password }),
    onSuccess: () => onDone(`Password of ${user.username} changed; their sessions were ended.`),
    onError: (err) => {
      const { fieldErrors } = splitApiError(err, ['password']);
      setError(fieldErrors.password ?? null);
    },
  });
  return (
    <form
      className="mt-2 flex flex-wrap items-start gap-2"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const msg = checkPassword(password);
        setError(msg);
        if (!msg) change.mutate();
      }}
    >
      <TextField
        label={`New password for ${user.username}`}
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={error}
        className="w-72"
      />
      <div className="pt-6">
        <Button type="submit" variant="primary" disabled={change.isPending}>
          Set password
        </Button>
      </div>
      {change.error && !error ? <ErrorAlert error={change.error} /> : null}
    </form>
  );
}

export function UsersPage() {
  const me = useSession();
  const qc = useQueryClient();
  const users = useQuery({ queryKey: keys.users, queryFn: () => api.listUsers() });
  const view = useListView(users.data?.users ?? [], (u) => `${u.username} ${u.role}`, 10);
  const [notice, setNotice] = useState<string | null>(null);
  const [pwFor, setPwFor] = useState<string | null>(null);

  const setRole = useMutation({
    mutationFn: ({ username, role }: { username: string; role: Role }) => api.updateUser(username, { role }),
    onMutate: () => setNotice(null),
    onSuccess: (u) => setNotice(`${u.username} is now ${u.role}.`),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.users }),
  });
  const remove = useMutation({
    mutationFn: (username: string) => api.deleteUser(username),
    onMutate: () => setNotice(null),
    onSuccess: (_, username) => setNotice(`User ${username} deleted.`),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.users }),
  });

  return (
    <>
      <PageHeader title="Users" />
      <div className="space-y-4">
        <Card title="New user" labelledBy="new-user-heading">
          <CreateUserForm onCreated={(u) => setNotice(`User ${u.username} created.`)} />
        </Card>
        <Card title="All users" labelledBy="users-heading" actions={<SearchBox label="Search" value={view.query} onChange={view.setQuery} />}>
          {notice ? (
            <div className="mb-3">
              <Alert tone="success">{notice}</Alert>
            </div>
          ) : null}
          <ErrorAlert error={setRole.error ?? remove.error} />
          {users.isPending ? <Loading what="users" /> : null}
          <ErrorAlert error={users.error} prefix="Cannot load users" />
          {users.data ? (
            <>
              <ul className="divide-y divide-slate-200" aria-label="Users">
                {view.items.map((u) => (
                  <li key={u.username} className="py-3" data-user={u.username}>
                    <div className="flex flex-wrap items-center justify-between gap-2">
                      <div>
                        <p className="font-medium text-slate-900">
                          {u.username}
                          {u.username === me.username ? <span className="ml-2 text-xs text-slate-500">(you)</span> : null}
                        </p>
                        <p className="text-xs text-slate-500">
                          created {formatTime(u.created_at)} · updated {formatTime(u.updated_at)}
                        </p>
                      </div>
                      <div className="flex flex-wrap items-center gap-2">
                        <label className="flex items-center gap-1.5 text-sm text-slate-700">
                          Role
                          <select
                            value={u.role}
                            onChange={(e) => setRole.mutate({ username: u.username, role: e.target.value as Role })}
                            className="rounded-md border-0 bg-white py-1 pl-2 pr-7 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-sky-600"
                          >
                            <option value="user">user</option>
                            <option value="admin">admin</option>
                          </select>
                        </label>
                        <Button onClick={() => setPwFor(pwFor === u.username ? null : u.username)} aria-expanded={pwFor === u.username}>
                          Change password
                        </Button>
                        <ConfirmAction
                          label="Delete"
                          question={`Delete ${u.username}? Their sessions end now.`}
                          confirmLabel={`Delete ${u.username}`}
                          onConfirm={() => remove.mutate(u.username)}
                          busy={remove.isPending}
                        />
                      </div>
                    </div>
                    {pwFor === u.username ? (
                      <PasswordForm
                        user={u}
                        onDone={(msg) => {
                          setPwFor(null);
                          setNotice(msg);
                        }}
                      />
                    ) : null}
                  </li>
                ))}
              </ul>
              <Pager {...view} onPage={view.setPage} noun="users" />
            </>
          ) : null}
        </Card>
      </div>
    </>
  );
}
