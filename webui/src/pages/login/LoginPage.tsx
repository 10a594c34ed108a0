// Sign in: POST /api/auth/login sets the session cookie and returns the CSRF
// token, which this tab keeps for its state-changing requests.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { api, csrf, isApiError, type Me } from '../../api';
import { keys } from '../../app/queries';
import { Alert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { TextField } from '../../components/Field';

type LocationState = { from?: string; expired?: boolean } | null;

function loginErrorText(e: unknown): string {
  if (isApiError(e)) {
    if (e.status === 401) return 'Wrong username or password.';
    if (e.status === 429)
      return `Too many attempts. Try again in ${e.retryAfter ?? 60} seconds.`;
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

export function LoginPage() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const state = useLocation().state as LocationState;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<{ username?: string; password?: string }>({});

  const login = useMutation({
    mutationFn: () => api.login(username.trim(), password),
    onSuccess: (r) => {
      csrf.set(r.csrf_token);
      qc.clear();
      const me: Me = { username: r.user.username, role: r.user.role, auth: 'session' };
      qc.setQueryData(keys.me, me);
      const from = state?.from && state.from !== '/login' ? state.from : '/';
      navigate(from, { replace: true });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const m: typeof missing = {};
    if (!username.trim()) m.username = 'Required.';
    if (!password) m.password = 'Required.';
    setMissing(m);
    if (m.username || m.password) return;
    login.mutate();
  }

  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-xl font-semibold text-slate-900">
          <span className="text-sky-800">PIC</span> — sign in
        </h1>
        <p className="mt-1 text-sm text-slate-600">Personal Internet Cell</p>
        <form className="mt-5 space-y-4" onSubmit={submit} noValidate>
          {state?.expired && !login.isError ? <Alert tone="info">Your session ended. Sign in again.</Alert> : null}
          {login.isError ? <Alert tone="error">{loginErrorText(login.error)}</Alert> : null}
          <TextField
            label="Username"
            name="username"
            autoComplete="username"
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            error={missing.username}
          />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={missing.password}
          />
          <Button type="submit" variant="primary" className="w-full" disabled={login.isPending}>
            {login.isPending ? 'Signing in…' : 'Sign in'}
          </Button>
        </form>
      </div>
    </main>
  );
}
