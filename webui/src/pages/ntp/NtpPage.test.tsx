import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Config, ConfigUpdateResult, NtpStatus } from '../../api';
import { CONFIG } from '../../test/fixtures';
import { apiError, json, mockFetch, renderWithProviders, type Call } from '../../test/helpers';
import { NtpPage } from './NtpPage';

afterEach(() => vi.unstubAllGlobals());

const STATUS: NtpStatus = {
  running: true,
  synchronised: true,
  stratum: 3,
  reference: '192.0.2.123',
  offset_s: -0.000042,
  leap: 'normal',
  sources: [
    { address: '192.0.2.123', mode: 'server', state: 'selected', stratum: 2, reach: 255, last_rx_s: 37, offset_s: 0.00125 },
    { address: '198.51.100.9', mode: 'server', state: 'unreachable', stratum: 0, reach: 0, last_rx_s: null, offset_s: 0 },
  ],
  clients: [{ address: '10.0.0.2', ntp_packets: 12, last_s: 65 }],
};
const STOPPED: NtpStatus = {
  running: false,
  synchronised: false,
  stratum: 0,
  reference: '',
  offset_s: 0,
  leap: 'not_synchronised',
  sources: [],
  clients: [],
};

function routes(status: () => NtpStatus = () => STATUS, extra: Record<string, (c: Call) => Response> = {}) {
  return {
    'GET /api/config': () => json(200, CONFIG),
    'GET /api/ntp/status': () => json(200, status()),
    ...extra,
  };
}

function updated(c: Call): ConfigUpdateResult {
  const ntp = (c.body as { ntp: Partial<Config['ntp']> }).ntp;
  return {
    config: { ...CONFIG, ntp: { ...CONFIG.ntp, ...ntp }, revision: CONFIG.revision + 1 },
    pending: { changes: {}, confirm: null },
    applied: Object.keys(ntp).map((k) => `ntp.${k}`),
    staged: [],
  };
}

describe('NtpPage: status', () => {
  it('shows the synchronisation, the sources and the clients', async () => {
    mockFetch(routes());
    renderWithProviders(<NtpPage />);
    expect(await screen.findByTestId('ntp-synchronised')).toHaveTextContent('yes');
    expect(screen.getByTestId('ntp-running')).toHaveTextContent('running');
    expect(screen.getByTestId('ntp-stratum')).toHaveTextContent('3');
    expect(screen.getByTestId('ntp-reference')).toHaveTextContent('192.0.2.123');
    expect(screen.getByTestId('ntp-offset')).toHaveTextContent('-42 µs');

    const sources = screen.getByRole('table', { name: 'NTP sources' });
    const sel = within(sources).getByRole('row', { name: /192\.0\.2\.123/ });
    expect(within(sel).getByText('selected')).toBeInTheDocument();
    expect(within(sel).getByText('377')).toBeInTheDocument(); // reach, octal as chronyc shows it
    expect(within(sel).getByText('37s ago')).toBeInTheDocument();
    expect(within(sel).getByText('+1.250 ms')).toBeInTheDocument();
    const dead = within(sources).getByRole('row', { name: /198\.51\.100\.9/ });
    expect(within(dead).getByText('unreachable')).toBeInTheDocument();

    const clients = screen.getByRole('table', { name: 'NTP clients' });
    const c = within(clients).getByRole('row', { name: /10\.0\.0\.2/ });
    expect(within(c).getByText('12')).toBeInTheDocument();
    expect(within(c).getByText('1m 5s ago')).toBeInTheDocument();
  });

  it('refreshes by itself', async () => {
    let n = 0;
    const { calls } = mockFetch(routes(() => (++n === 1 ? { ...STATUS, synchronised: false, stratum: 0, reference: '' } : STATUS)));
    renderWithProviders(<NtpPage statusRefetchMs={100} />);
    expect(await screen.findByTestId('ntp-synchronised')).toHaveTextContent('no');
    await waitFor(() => expect(screen.getByTestId('ntp-synchronised')).toHaveTextContent('yes'));
    expect(screen.getByTestId('ntp-stratum')).toHaveTextContent('3');
    expect(calls.filter((c) => c.url === '/api/ntp/status').length).toBeGreaterThanOrEqual(2);
  });

  it('says when chrony is not running, and the local clock as reference', async () => {
    let n = 0;
    mockFetch(routes(() => (++n === 1 ? STOPPED : { ...STATUS, reference: 'LOCAL', stratum: 10, sources: [] })));
    renderWithProviders(<NtpPage statusRefetchMs={100} />);
    expect(await screen.findByText(/chrony is not running/)).toBeInTheDocument();
    expect(screen.getByTestId('ntp-running')).toHaveTextContent('not running');
    expect(screen.queryByRole('table', { name: 'NTP sources' })).toBeNull();
    expect(await screen.findByText("the cell's own clock (LOCAL)")).toBeInTheDocument();
    expect(screen.getByText('No sources.')).toBeInTheDocument();
  });
});

describe('NtpPage: settings', () => {
  it('edits the server list and the allowed networks; sends only what changed', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch(routes(undefined, { 'PUT /api/config': (c) => json(200, updated(c)) }));
    renderWithProviders(<NtpPage />);
    const form = await screen.findByRole('form', { name: 'NTP settings' });
    expect(within(form).getByLabelText('Server 1')).toHaveValue('pool.ntp.org');
    await user.click(within(form).getByRole('button', { name: 'Add server' }));
    await user.type(within(form).getByLabelText('Server 2'), 'time.cloudflare.com');
    await user.click(within(form).getByRole('button', { name: 'Add network' }));
    await user.type(within(form).getByLabelText('Network 1'), '192.168.1.0/24');
    await user.click(within(form).getByRole('button', { name: 'Save NTP settings' }));
    expect(await within(form).findByText('Applied: ntp.servers, ntp.allow.')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({
      ntp: { servers: ['pool.ntp.org', 'time.cloudflare.com'], allow: ['192.168.1.0/24'] },
    });
    // The form now shows the saved settings.
    expect(within(form).getByLabelText('Server 2')).toHaveValue('time.cloudflare.com');
  });

  it('checks each item as the API does; removes a row', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch(routes());
    renderWithProviders(<NtpPage />);
    const form = await screen.findByRole('form', { name: 'NTP settings' });
    await user.click(within(form).getByRole('button', { name: 'Add server' }));
    await user.type(within(form).getByLabelText('Server 2'), 'pool.ntp.org');
    await user.click(within(form).getByRole('button', { name: 'Add network' }));
    await user.type(within(form).getByLabelText('Network 1'), '192.168.1.0');
    await user.clear(within(form).getByLabelText('Local stratum'));
    await user.type(within(form).getByLabelText('Local stratum'), '16');
    await user.click(within(form).getByRole('button', { name: 'Save NTP settings' }));
    expect(within(form).getByLabelText('Server 2')).toHaveAccessibleDescription('Listed twice.');
    expect(within(form).getByLabelText('Server 1')).not.toHaveAttribute('aria-invalid');
    expect(within(form).getByLabelText('Network 1')).toHaveAccessibleDescription(/CIDR/);
    expect(within(form).getByLabelText('Local stratum')).toHaveAccessibleDescription('Between 0 and 15.');
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    await user.click(within(form).getByRole('button', { name: 'Remove Server 2' }));
    expect(within(form).queryByLabelText('Server 2')).toBeNull();
  });

  it("puts the API's error for one item (ntp.servers[1]) next to that item", async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch(
      routes(undefined, {
        'PUT /api/config': () => apiError(400, 'invalid_argument', 'ntp.servers[1] must be a host name or an IPv4 address', 'ntp.servers[1]'),
      }),
    );
    renderWithProviders(<NtpPage />);
    const form = await screen.findByRole('form', { name: 'NTP settings' });
    await user.click(within(form).getByRole('button', { name: 'Add server' }));
    await user.type(within(form).getByLabelText('Server 2'), 'ntp.example');
    await user.click(within(form).getByRole('button', { name: 'Save NTP settings' }));
    const s2 = within(form).getByLabelText('Server 2');
    await waitFor(() => expect(s2).toHaveAccessibleDescription('ntp.servers[1] must be a host name or an IPv4 address'));
    expect(within(form).getByLabelText('Server 1')).not.toHaveAttribute('aria-invalid');
    expect(within(form).queryByRole('alert')).toBeNull();
  });

  it('a field error for the stratum goes to its input; users cannot edit', async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch(
      routes(undefined, {
        'PUT /api/config': () => apiError(400, 'invalid_argument', 'local_stratum must be from 0 to 15', 'ntp.local_stratum'),
      }),
    );
    const { unmount } = renderWithProviders(<NtpPage />);
    const form = await screen.findByRole('form', { name: 'NTP settings' });
    await user.clear(within(form).getByLabelText('Local stratum'));
    await user.type(within(form).getByLabelText('Local stratum'), '10');
    await user.click(within(form).getByRole('button', { name: 'Save NTP settings' }));
    await waitFor(() =>
      expect(within(form).getByLabelText('Local stratum')).toHaveAccessibleDescription('local_stratum must be from 0 to 15'),
    );
    unmount();

    renderWithProviders(<NtpPage />, { me: { username: 'bob', role: 'user', auth: 'session' } });
    const ro = await screen.findByRole('form', { name: 'NTP settings' });
    expect(within(ro).getByLabelText('Server 1')).toBeDisabled();
    expect(within(ro).queryByRole('button', { name: 'Save NTP settings' })).toBeNull();
    expect(within(ro).queryByRole('button', { name: 'Add server' })).toBeNull();
  });
});
