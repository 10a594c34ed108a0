import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Config, ConfigUpdateResult, DhcpLease, DhcpReservation } from '../../api';
import { CONFIG } from '../../test/fixtures';
import { apiError, json, mockFetch, renderWithProviders, type Call } from '../../test/helpers';
import { DhcpPage } from './DhcpPage';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const IFACES = {
  interfaces: [
    { name: 'eth0', addresses: ['192.168.1.2/24'] },
    { name: 'eth1', addresses: ['10.9.0.1/16', '172.30.0.1/24'] },
  ],
};
const RES: DhcpReservation[] = [
  { mac: '52:54:00:00:00:01', ip: '192.168.1.10', name: 'printer' },
  { mac: '52:54:00:00:00:02', ip: '192.168.1.11', name: '' },
];
const inAnHour = () => new Date(Date.now() + 3600_000 + 500).toISOString().replace(/\.\d+Z$/, 'Z');
const LEASE: DhcpLease = {
  mac: '52:54:00:00:00:03',
  ip: '192.168.1.100',
  hostname: 'laptop',
  fqdn: 'laptop.lan.test.cell',
  expires: null,
  reserved: false,
};

function routes(extra: Record<string, (c: Call) => Response | Promise<Response>> = {}, config: Config = CONFIG) {
  return {
    'GET /api/config': () => json(200, config),
    'GET /api/dhcp/interfaces': () => json(200, IFACES),
    'GET /api/dhcp/reservations': () => json(200, { reservations: RES }),
    'GET /api/dhcp/leases': () => json(200, { leases: [] }),
    ...extra,
  };
}

function updated(c: Call): ConfigUpdateResult {
  const dhcp = (c.body as { dhcp: Partial<Config['dhcp']> }).dhcp;
  return {
    config: { ...CONFIG, dhcp: { ...CONFIG.dhcp, ...dhcp }, revision: CONFIG.revision + 1 },
    pending: { changes: {}, confirm: null },
    applied: Object.keys(dhcp).map((k) => `dhcp.${k}`),
    staged: [],
  };
}

describe('DhcpPage: settings', () => {
  it('offers the interfaces with their addresses; off by default', async () => {
    mockFetch(routes());
    renderWithProviders(<DhcpPage />);
    const form = await screen.findByRole('form', { name: 'DHCP settings' });
    expect(within(form).getByLabelText('Serve DHCP on the LAN')).not.toBeChecked();
    const select = within(form).getByLabelText('Interface');
    await waitFor(() =>
      expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual([
        '(none)',
        'eth0 — 192.168.1.2/24',
        'eth1 — 10.9.0.1/16, 172.30.0.1/24',
      ]),
    );
    expect(select).toHaveAccessibleDescription('The network DHCP answers on.');
    expect(screen.getByTestId('dhcp-state')).toHaveTextContent('Off');
    expect(screen.getByText('DHCP is off, so there are no leases.')).toBeInTheDocument();
  });

  it('turning it on needs an interface and a range inside its subnet', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch(routes({ 'PUT /api/config': (c) => json(200, updated(c)) }));
    renderWithProviders(<DhcpPage />);
    const form = await screen.findByRole('form', { name: 'DHCP settings' });
    await user.click(within(form).getByLabelText('Serve DHCP on the LAN'));
    await user.click(within(form).getByRole('button', { name: 'Save DHCP settings' }));
    expect(within(form).getByLabelText('Interface')).toHaveAccessibleDescription('Pick the interface to serve.');
    expect(within(form).getByLabelText('Range start')).toHaveAccessibleDescription('Required to serve DHCP.');

    await waitFor(() => expect(within(form).getAllByRole('option')).toHaveLength(3));
    await user.selectOptions(within(form).getByLabelText('Interface'), 'eth0');
    expect(within(form).getByLabelText('Interface')).toHaveAccessibleDescription('Serves 192.168.1.0/24.');
    await user.type(within(form).getByLabelText('Range start'), '192.168.2.100');
    await user.type(within(form).getByLabelText('Range end'), '192.168.1.255');
    await user.click(within(form).getByRole('button', { name: 'Save DHCP settings' }));
    expect(within(form).getByLabelText('Range start')).toHaveAccessibleDescription('Not a host of 192.168.1.0/24 (eth0).');
    expect(within(form).getByLabelText('Range end')).toHaveAccessibleDescription('Not a host of 192.168.1.0/24 (eth0).');

    await user.clear(within(form).getByLabelText('Range start'));
    await user.type(within(form).getByLabelText('Range start'), '192.168.1.100');
    await user.clear(within(form).getByLabelText('Range end'));
    await user.type(within(form).getByLabelText('Range end'), '192.168.1.50');
    await user.click(within(form).getByRole('button', { name: 'Save DHCP settings' }));
    expect(within(form).getByLabelText('Range end')).toHaveAccessibleDescription('The range ends before it starts.');
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    // The range may not take in the cell's own address (192.168.1.2).
    await user.clear(within(form).getByLabelText('Range start'));
    await user.type(within(form).getByLabelText('Range start'), '192.168.1.1');
    await user.clear(within(form).getByLabelText('Range end'));
    await user.type(within(form).getByLabelText('Range end'), '192.168.1.50');
    await user.click(within(form).getByRole('button', { name: 'Save DHCP settings' }));
    expect(within(form).getByLabelText('Range start')).toHaveAccessibleDescription(/cell's own address 192.168.1.2 on eth0/);
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    await user.clear(within(form).getByLabelText('Range start'));
    await user.type(within(form).getByLabelText('Range start'), '192.168.1.100');
    await user.clear(within(form).getByLabelText('Range end'));
    await user.type(within(form).getByLabelText('Range end'), '192.168.1.200');
    await user.clear(within(form).getByLabelText('Lease time (s)'));
    await user.type(within(form).getByLabelText('Lease time (s)'), '3600');
    await user.click(within(form).getByRole('button', { name: 'Save DHCP settings' }));
    expect(await within(form).findByText(/Applied: dhcp.enabled, dhcp.interface/)).toBeInTheDocument();
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.url).toBe('/api/config');
    expect(put.body).toEqual({
      dhcp: { enabled: true, interface: 'eth0', range_start: '192.168.1.100', range_end: '192.168.1.200', lease_time: 3600 },
    });
    // The header follows the saved config.
    expect(screen.getByTestId('dhcp-state')).toHaveTextContent('On, serving eth0');
  });

  it("puts the API's field error (dhcp.range_end) next to that input", async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch(
      routes({
        'PUT /api/config': () => apiError(400, 'invalid_argument', 'range_end is outside the subnet of eth0', 'dhcp.range_end'),
      }),
    );
    renderWithProviders(<DhcpPage />);
    const form = await screen.findByRole('form', { name: 'DHCP settings' });
    await user.type(within(form).getByLabelText('Range end'), '192.168.1.250');
    await user.click(within(form).getByRole('button', { name: 'Save DHCP settings' }));
    const end = within(form).getByLabelText('Range end');
    await waitFor(() => expect(end).toHaveAccessibleDescription('range_end is outside the subnet of eth0'));
    expect(end).toHaveAttribute('aria-invalid', 'true');
    expect(within(form).getByLabelText('Range start')).not.toHaveAttribute('aria-invalid');
    expect(within(form).queryByRole('alert')).toBeNull();
  });

  it('keeps an interface that is gone from the machine, and says so', async () => {
    mockFetch(routes({}, { ...CONFIG, dhcp: { ...CONFIG.dhcp, interface: 'usb0' } }));
    renderWithProviders(<DhcpPage />);
    const select = await screen.findByLabelText('Interface');
    await waitFor(() => expect(select).toHaveAccessibleDescription('usb0 is not on this machine now.'));
    expect(select).toHaveValue('usb0');
    expect(within(select).getByRole('option', { name: 'usb0 — not found' })).toBeInTheDocument();
  });

  it('users see the settings but cannot change them', async () => {
    mockFetch(routes());
    renderWithProviders(<DhcpPage />, { me: { username: 'bob', role: 'user', auth: 'session' } });
    const form = await screen.findByRole('form', { name: 'DHCP settings' });
    expect(within(form).getByLabelText('Range start')).toBeDisabled();
    expect(within(form).queryByRole('button', { name: 'Save DHCP settings' })).toBeNull();
    expect(screen.queryByRole('form', { name: 'New reservation' })).toBeNull();
  });
});

describe('DhcpPage: reservations', () => {
  it('lists reservations with the DNS name they give', async () => {
    mockFetch(routes());
    renderWithProviders(<DhcpPage />);
    const list = await screen.findByRole('list', { name: 'Reservations' });
    const first = within(list).getAllByRole('listitem')[0]!;
    expect(first).toHaveAttribute('data-mac', '52:54:00:00:00:01');
    expect(within(first).getByTestId('reservation-fqdn')).toHaveTextContent('printer.lan.test.cell');
    expect(within(list).getAllByRole('listitem')[1]!.querySelector('[data-testid="reservation-fqdn"]')).toBeNull();
  });

  it('adds one: checked first, then the API field error next to the field, a conflict above the form', async () => {
    const user = userEvent.setup({ delay: null });
    let n = 0;
    const { calls } = mockFetch(
      routes({
        'POST /api/dhcp/reservations': (c) => {
          n++;
          if (n === 1) return apiError(400, 'invalid_argument', 'ip is not inside 192.168.1.0/24', 'ip');
          if (n === 2) return apiError(409, 'conflict', "192.168.1.10 is reserved for 52:54:00:00:00:01");
          return json(201, { ...(c.body as DhcpReservation), mac: '52:54:00:aa:bb:cc' });
        },
      }),
    );
    renderWithProviders(<DhcpPage />);
    const form = await screen.findByRole('form', { name: 'New reservation' });
    const mac = within(form).getByLabelText('MAC');
    const ip = within(form).getByLabelText('IP address');
    const name = within(form).getByLabelText('Host name');
    await user.type(mac, '52-54-00');
    await user.type(ip, '10.0.0');
    await user.type(name, 'Bad_Name');
    await user.click(within(form).getByRole('button', { name: 'Add reservation' }));
    expect(mac).toHaveAccessibleDescription(/Six hex pairs/);
    expect(ip).toHaveAccessibleDescription(/An IPv4 address/);
    expect(name).toHaveAccessibleDescription(/One label/);
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await user.clear(mac);
    await user.type(mac, '52:54:00:AA:BB:CC');
    await user.clear(ip);
    await user.type(ip, '10.0.0.5');
    await user.clear(name);
    await user.type(name, 'nas');
    expect(within(form).getByText('nas.lan.test.cell')).toBeInTheDocument();
    await user.click(within(form).getByRole('button', { name: 'Add reservation' }));
    await waitFor(() => expect(ip).toHaveAccessibleDescription('ip is not inside 192.168.1.0/24'));
    expect(mac).not.toHaveAttribute('aria-invalid');

    await user.clear(ip);
    await user.type(ip, '192.168.1.10');
    await user.click(within(form).getByRole('button', { name: 'Add reservation' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('Not added: 192.168.1.10 is reserved for 52:54:00:00:00:01');

    await user.clear(ip);
    await user.type(ip, '192.168.1.12');
    await user.click(within(form).getByRole('button', { name: 'Add reservation' }));
    expect(await screen.findByText('Reservation of 192.168.1.12 for 52:54:00:aa:bb:cc added.')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST').at(-1)!.body).toEqual({
      mac: '52:54:00:AA:BB:CC',
      ip: '192.168.1.12',
      name: 'nas',
    });
    expect(mac).toHaveValue('');
  });

  it('edits the address and name of one (PUT by MAC) and deletes one after confirming', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch(
      routes({
        'PUT /api/dhcp/reservations/52:54:00:00:00:02': (c) =>
          json(200, { mac: '52:54:00:00:00:02', ...(c.body as object) }),
        'DELETE /api/dhcp/reservations/52:54:00:00:00:01': () => new Response(null, { status: 204 }),
      }),
    );
    renderWithProviders(<DhcpPage />);
    const list = await screen.findByRole('list', { name: 'Reservations' });
    const [first, second] = within(list).getAllByRole('listitem') as [HTMLElement, HTMLElement];

    await user.click(within(second).getByRole('button', { name: 'Edit reservation 52:54:00:00:00:02' }));
    const form = within(second).getByRole('form', { name: 'Edit reservation 52:54:00:00:00:02' });
    expect(within(form).queryByLabelText('MAC')).toBeNull();
    const ip = within(form).getByLabelText('IP address');
    expect(ip).toHaveValue('192.168.1.11');
    await user.clear(ip);
    await user.type(ip, '192.168.1.21');
    await user.type(within(form).getByLabelText('Host name'), 'tv');
    await user.click(within(form).getByRole('button', { name: 'Save reservation' }));
    expect(await screen.findByText('Reservation of 52:54:00:00:00:02 saved.')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({ ip: '192.168.1.21', name: 'tv' });

    await user.click(within(first).getByRole('button', { name: 'Delete' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await user.click(within(first).getByRole('button', { name: 'Delete 52:54:00:00:00:01' }));
    expect(await screen.findByText('Reservation of 52:54:00:00:00:01 deleted.')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual([
      '/api/dhcp/reservations/52:54:00:00:00:01',
    ]);
  });
});

describe('DhcpPage: leases', () => {
  it('polls the leases and shows each with its names, expiry and reservation', async () => {
    const expires = inAnHour();
    let polls = 0;
    const { calls } = mockFetch(
      routes(
        {
          'GET /api/dhcp/leases': () => {
            polls++;
            const leases: DhcpLease[] = [
              { mac: '52:54:00:00:00:01', ip: '192.168.1.10', hostname: 'printer', fqdn: 'printer.lan.test.cell', expires, reserved: true },
            ];
            if (polls >= 2) leases.push(LEASE, { ...LEASE, mac: '52:54:00:00:00:04', ip: '192.168.1.101', hostname: null, fqdn: null });
            return json(200, { leases });
          },
        },
        { ...CONFIG, dhcp: { ...CONFIG.dhcp, enabled: true, interface: 'eth0' } },
      ),
    );
    renderWithProviders(<DhcpPage leaseRefetchMs={200} />);
    const table = await screen.findByRole('table', { name: 'Leases' });
    const row = (ip: string) => table.querySelector<HTMLElement>(`tr[data-lease="${ip}"]`)!;
    expect(within(row('192.168.1.10')).getByText('reserved')).toBeInTheDocument();
    expect(within(row('192.168.1.10')).getByText('printer.lan.test.cell')).toBeInTheDocument();
    expect(within(row('192.168.1.10')).getByTestId('lease-expires')).toHaveTextContent(/^in (1h 0m 0s|59m 5\ds)$/);
    expect(within(row('192.168.1.10')).queryByRole('button', { name: /Reserve/ })).toBeNull();

    // A new client appears without reloading the page.
    await waitFor(() => expect(row('192.168.1.100')).not.toBeNull());
    expect(within(row('192.168.1.100')).getByText('laptop')).toBeInTheDocument();
    expect(within(row('192.168.1.100')).getByTestId('lease-expires')).toHaveTextContent('never');
    expect(within(row('192.168.1.101')).getAllByText('—')).toHaveLength(2);
    expect(calls.filter((c) => c.url === '/api/dhcp/leases').length).toBeGreaterThanOrEqual(2);
    await waitFor(() => expect(polls).toBeGreaterThanOrEqual(3));
  });

  it('turns a lease into a reservation with one button', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch(
      routes({
        'GET /api/dhcp/leases': () => json(200, { leases: [LEASE] }),
        'POST /api/dhcp/reservations': (c) => json(201, c.body),
      }),
    );
    renderWithProviders(<DhcpPage />);
    await user.click(await screen.findByRole('button', { name: 'Reserve 192.168.1.100 for 52:54:00:00:00:03' }));
    expect(await screen.findByText('192.168.1.100 is now reserved for 52:54:00:00:00:03.')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ mac: '52:54:00:00:00:03', ip: '192.168.1.100', name: 'laptop' });
    // Reservations and leases are asked for again.
    await waitFor(() => expect(calls.filter((c) => c.url === '/api/dhcp/reservations' && c.method === 'GET')).toHaveLength(2));
  });

  it('a failed poll keeps the table and says so', async () => {
    let polls = 0;
    mockFetch(
      routes({
        'GET /api/dhcp/leases': () =>
          ++polls === 1 ? json(200, { leases: [LEASE] }) : apiError(500, 'internal', 'cannot read the lease file'),
      }),
    );
    renderWithProviders(<DhcpPage leaseRefetchMs={100} />);
    await screen.findByRole('table', { name: 'Leases' });
    expect(await screen.findByText(/Cannot refresh the leases: cannot read the lease file/)).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Leases' })).toBeInTheDocument();
  });
});
