// The shell: login, navigation by role, and the way back to login on a 401.
import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppRoutes } from './App';
import { csrf } from './api';
import { CONFIG } from './test/fixtures';
import { MockEventSource } from './test/eventSource';
import { apiError, json, mockFetch, newQueryClient } from './test/helpers';

afterEach(() => vi.unstubAllGlobals());

const SERVICES = {
  services: [
    {
      name: 'caddy',
      description: 'Reverse proxy and web UI',
      kind: 'longrun',
      state: 'ready',
      pid: 4242,
      since: '2026-11-29T06:00:00Z',
      uptime_s: 3725,
      restarts: 2,
      last_exit: { time: '2026-11-29T05:59:00Z', code: null, signal: 'SIGKILL' },
      next_start_in_s: null,
    },
  ],
};

function renderApp(path: string) {
  MockEventSource.install();
  return render(
    <QueryClientProvider client={newQueryClient()}>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('the app shell', () => {
  it('without a session goes to login; signing in keeps the CSRF token and opens the dashboard', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch({
      'POST /api/auth/login': (c) =>
        (c.body as { password: string }).password === 'right password'
          ? json(200, { csrf_token: 'csrf-abcdefghijklmnop', user: { username: 'admin', role: 'admin' }, expires_at: '2026-11-29T18:00:00Z' })
          : apiError(401, 'unauthenticated', 'bad credentials'),
      'GET /api/auth/me': () => json(200, { username: 'admin', role: 'admin', auth: 'session' }),
      'GET /api/config': () => json(200, CONFIG),
      'GET /api/services/status': () => json(200, SERVICES),
    });
    renderApp('/');
    await screen.findByRole('heading', { name: /sign in/ });

    await user.type(screen.getByLabelText('Username'), 'admin');
    await user.type(screen.getByLabelText('Password'), 'wrong password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password.');
    expect(csrf.get()).toBeNull();

    await user.clear(screen.getByLabelText('Password'));
    await user.type(screen.getByLabelText('Password'), 'right password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('heading', { name: 'Dashboard' });
    expect(csrf.get()).toBe('csrf-abcdefghijklmnop');
    expect(await screen.findByTestId('cell-fqdn')).toHaveTextContent('test.cell');
    const row = (await screen.findByRole('rowheader', { name: /caddy/ })).closest('tr')!;
    expect(within(row).getByText('ready')).toBeInTheDocument();
    expect(within(row).getByTestId('restarts')).toHaveTextContent('2');
    expect(within(row).getByTestId('uptime')).toHaveTextContent(/^1h 2m/);
    expect(calls.filter((c) => c.url === '/api/auth/login')).toHaveLength(2);
    // Nothing was asked before signing in.
    expect(calls[0]!.url).toBe('/api/auth/login');
  });

  it('shows admins every area and users only theirs (no dead links)', async () => {
    csrf.set('c');
    mockFetch({
      'GET /api/auth/me': () => json(200, { username: 'bob', role: 'user', auth: 'session' }),
      'GET /api/config': () => json(200, CONFIG),
      'GET /api/services/status': () => json(200, SERVICES),
    });
    renderApp('/');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    await waitFor(() =>
      expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Dashboard', 'Services', 'Peers', 'DNS', 'DHCP', 'NTP', 'API tokens']),
    );
    expect(screen.getByText('bob')).toBeInTheDocument();
  });

  it('admins see Settings, Users and Revisions too', async () => {
    csrf.set('c');
    mockFetch({
      'GET /api/auth/me': () => json(200, { username: 'admin', role: 'admin', auth: 'session' }),
      'GET /api/config': () => json(200, CONFIG),
      'GET /api/services/status': () => json(200, SERVICES),
      'GET /health': () => json(200, { status: 'degraded', version: '0.1.0', uptime_s: 90, services: { caddy: 'backoff' } }),
    });
    renderApp('/');
    expect(await screen.findByTestId('health-status')).toHaveTextContent('degraded');
    expect(screen.getByText(/picd 0\.1\.0 · up 1m 30s/)).toBeInTheDocument();
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    await waitFor(() =>
      expect(within(nav).getAllByRole('link').map((a) => a.getAttribute('href'))).toEqual([
        '/',
        '/services',
        '/peers',
        '/dns',
        '/dhcp',
        '/ntp',
        '/settings',
        '/users',
        '/tokens',
        '/revisions',
      ]),
    );
  });

  it('a 401 under a page (the session ended) sends the user to login', async () => {
    csrf.set('c');
    mockFetch({
      'GET /api/auth/me': () => json(200, { username: 'admin', role: 'admin', auth: 'session' }),
      'GET /api/config': () => apiError(401, 'unauthenticated', 'session expired'),
      'GET /api/services/status': () => json(200, SERVICES),
    });
    renderApp('/services');
    expect(await screen.findByText('Your session ended. Sign in again.')).toBeInTheDocument();
    expect(csrf.get()).toBeNull();
  });

  it('a session cookie without this tab’s CSRF token is not enough', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, { username: 'admin', role: 'admin', auth: 'session' }),
    });
    renderApp('/settings');
    await screen.findByRole('heading', { name: /sign in/ });
    expect(calls).toHaveLength(0);
  });

  it('the services page shows the last exit, restarts and follows the log', async () => {
    csrf.set('c');
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, { username: 'admin', role: 'admin', auth: 'session' }),
      'GET /api/config': () => json(200, CONFIG),
      'GET /api/services/status': () => json(200, SERVICES),
      'POST /api/containers/caddy/restart': () =>
        json(200, { ...SERVICES.services[0], state: 'starting', pid: 5000, uptime_s: 0 }),
    });
    const user = userEvent.setup({ delay: null });
    renderApp('/services');
    const row = (await screen.findByRole('rowheader', { name: /caddy/ })).closest('tr')!;
    expect(within(row).getByText(/killed by SIGKILL at 2026-11-29 05:59:00 UTC/)).toBeInTheDocument();
    expect(within(row).getByText('4242')).toBeInTheDocument();
    expect(MockEventSource.last().url).toBe('/api/services/caddy/logs/stream?lines=100');

    await user.click(within(row).getByRole('button', { name: 'Restart caddy' }));
    expect(await screen.findByText('Restart of caddy requested (starting).')).toBeInTheDocument();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.url).toBe('/api/containers/caddy/restart');
    expect(post.headers['X-CSRF-Token']).toBe('c');
  });
  it('a disabled service (DHCP off) shows as disabled and cannot be restarted', async () => {
    csrf.set('c');
    const dnsmasq = {
      name: 'dnsmasq',
      description: 'DHCP for the LAN',
      kind: 'longrun',
      state: 'disabled',
      pid: null,
      since: '2026-11-29T06:00:00Z',
      uptime_s: null,
      restarts: 0,
      last_exit: null,
      next_start_in_s: null,
    };
    mockFetch({
      'GET /api/auth/me': () => json(200, { username: 'admin', role: 'admin', auth: 'session' }),
      'GET /api/config': () => json(200, CONFIG),
      'GET /api/services/status': () => json(200, { services: [...SERVICES.services, dnsmasq] }),
      'GET /health': () => json(200, { status: 'ok', version: '0.1.0', uptime_s: 9, services: { caddy: 'ready', dnsmasq: 'disabled' } }),
    });
    renderApp('/services');
    const row = (await screen.findByRole('rowheader', { name: /dnsmasq/ })).closest('tr')!;
    expect(within(row).getByText('disabled')).toHaveAttribute('data-state', 'disabled');
    expect(within(row).getByRole('button', { name: 'Restart dnsmasq' })).toBeDisabled();
    expect(await screen.findByTestId('health-status')).toHaveTextContent('ok');
  });
});
