// The frame of every signed-in page: the cell's name, the navigation (only
// the areas this user can open) and the sign-out button.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { NavLink, Outlet, useNavigate } from 'react-router-dom';
import { api, csrf, type Me } from '../api';
import { Button } from '../components/Button';
import { navFor } from './nav';
import { formatDuration } from '../lib/format';
import { keys, useConfig } from './queries';

export function Layout({ me }: { me: Me }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const config = useConfig();
  const health = useQuery({ queryKey: keys.health, queryFn: () => api.health(), refetchInterval: 30_000 });
  const logout = useMutation({
    mutationFn: () => api.logout(),
    onSettled: () => {
      csrf.clear();
      qc.clear();
      navigate('/login', { replace: true });
    },
  });
  const cellName = config.data ? `${config.data.cell_name}.${config.data.domain}` : '';

  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
          <div className="flex items-baseline gap-3">
            <span className="text-lg font-bold tracking-tight text-sky-800">PIC</span>
            <span className="text-sm text-slate-600" data-testid="cell-name">
              {cellName}
            </span>
          </div>
          <div className="flex items-center gap-3 text-sm">
            <span className="text-slate-700">
              {me.username} <span className="text-slate-500">({me.role})</span>
            </span>
            <Button onClick={() => logout.mutate()} disabled={logout.isPending}>
              Sign out
            </Button>
          </div>
        </div>
        <nav aria-label="Main" className="mx-auto max-w-6xl px-4">
          <ul className="flex flex-wrap gap-1">
            {navFor(me.role).map((item) => (
              <li key={item.to}>
                <NavLink
                  to={item.to}
                  end={item.to === '/'}
                  className={({ isActive }) =>
                    `inline-block border-b-2 px-3 py-2 text-sm font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-600 ${
                      isActive
                        ? 'border-sky-700 text-sky-800'
                        : 'border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900'
                    }`
                  }
                >
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-6">
        <Outlet context={me} />
      </main>
      <footer className="mx-auto max-w-6xl px-4 pb-6 text-xs text-slate-500">
        {health.data ? (
          <>
            picd {health.data.version} · up {formatDuration(health.data.uptime_s)} ·{' '}
            <span data-testid="health-status">{health.data.status}</span>
          </>
        ) : null}
      </footer>
    </div>
  );
}
