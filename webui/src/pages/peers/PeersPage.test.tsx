import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { csrf, type Peer, type PeerConfig } from '../../api';
import { saveBlob } from '../../lib/download';
import { formatTime } from '../../lib/format';
import { CONFIG, PEERS, peer, peerStatus, wgStatus } from '../../test/fixtures';
import { apiError, json, mockFetch, renderWithProviders, type Call } from '../../test/helpers';
import { PeersPage } from './PeersPage';

vi.mock('../../lib/download', () => ({ saveBlob: vi.fn() }));

beforeEach(() => vi.mocked(saveBlob).mockClear());
afterEach(() => vi.unstubAllGlobals());

const QR_SVG = '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29"><path d="M4 4h7v1h-7z"/></svg>\n';
const CONF = (name: string) => `# WireGuard for the peer '${name}'\n\n[Interface]\nPrivateKey = secret\nAddress = 10.0.0.9/32\n`;

function query(c: Call) {
  return Object.fromEntries(new URL(c.url, 'http://x').searchParams);
}

/** A server that pages and searches `all` as the API does (name or address). */
function listing(all: Peer[]) {
  return (c: Call) => {
    const q = query(c);
    const s = q.search ?? '';
    const hits = all.filter((p) => !s || p.name.includes(s) || p.ip.includes(s));
    const off = Number(q.offset ?? 0);
    return json(200, { peers: hits.slice(off, off + Number(q.limit ?? 1000)), total: hits.length });
  };
}

function configOf(name: string) {
  return (c: Call) =>
    query(c).format === 'conf'
      ? new Response(CONF(name), {
          status: 200,
          headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Disposition': `attachment; filename="${name}.conf"` },
        })
      : json(200, { name, filename: `${name}.conf`, config: CONF(name), qr_svg: QR_SVG } satisfies PeerConfig);
}

function routes(extra: Record<string, (c: Call) => Response | Promise<Response>> = {}, peers: Peer[] = PEERS) {
  return {
    'GET /api/config': () => json(200, CONFIG),
    'GET /api/peers': listing(peers),
    'GET /api/wireguard/status': () => json(200, wgStatus([], { running: false, sampled_at: null })),
    ...extra,
  };
}

function rowOf(name: string): HTMLElement {
  const row = screen.getAllByRole('row').find((tr) => tr.getAttribute('data-peer') === name);
  if (!row) throw new Error(`no row for ${name}`);
  return row;
}

const many = (n: number): Peer[] =>
  Array.from({ length: n }, (_, i) => peer({ name: `dev${String(i).padStart(2, '0')}`, ip: `10.0.0.${10 + i}` }));

describe('PeersPage: the list', () => {
  it('shows each peer with its DNS name, state, tunnel, services and expiry', async () => {
    const soon = new Date(Date.now() + 2 * 86400_000 + 3600_000 + 30_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const list = [...PEERS, peer({ name: 'visitor', ip: '10.0.0.6', expires: soon })];
    const { calls } = mockFetch(routes({}, list));
    renderWithProviders(<PeersPage />);
    const table = await screen.findByRole('table', { name: 'Peers' });
    expect(within(table).getAllByRole('row')).toHaveLength(6);

    const laptop = rowOf('laptop');
    expect(within(laptop).getByRole('rowheader')).toHaveTextContent('laptop');
    expect(within(laptop).getByTestId('peer-fqdn')).toHaveTextContent('laptop.peers.test.cell');
    expect(within(laptop).getByTestId('peer-ip')).toHaveTextContent('10.0.0.2');
    expect(within(laptop).getByText('enabled')).toHaveAttribute('data-state', 'enabled');
    expect(within(laptop).getByTestId('peer-tunnel')).toHaveTextContent('split');
    expect(within(laptop).getByTestId('peer-services')).toHaveTextContent('all');
    expect(within(laptop).getByTestId('peer-expires')).toHaveTextContent('never');

    expect(within(rowOf('old-tablet')).getByText('expired')).toHaveAttribute('data-state', 'expired');
    expect(within(rowOf('old-tablet')).getByTestId('peer-expires')).toHaveTextContent(/^expired .* ago2026-01-01 00:00:00 UTC$/);
    expect(within(rowOf('phone')).getByTestId('peer-tunnel')).toHaveTextContent('full');
    expect(within(rowOf('phone')).getByTestId('peer-services')).toHaveTextContent('DNS, Mail');
    expect(within(rowOf('printer')).getByText('disabled')).toHaveAttribute('data-state', 'disabled');
    expect(within(rowOf('printer')).getByTestId('peer-services')).toHaveTextContent('none');
    expect(within(rowOf('printer')).getByRole('button', { name: 'Enable printer' })).toBeInTheDocument();
    // Relative and absolute.
    expect(within(rowOf('visitor')).getByTestId('peer-expires')).toHaveTextContent(`in 2d 1h 0m${formatTime(soon)}`);

    expect(screen.getByText('1–5 of 5 peers')).toBeInTheDocument();
    expect(query(calls.find((c) => c.url.startsWith('/api/peers'))!)).toEqual({ limit: '20', offset: '0' });
    expect(await screen.findByTestId('vpn-state')).toHaveTextContent('VPN not running');
  });

  it('searches on the server and pages with offset', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch(routes({}, [...PEERS, ...many(30)]));
    renderWithProviders(<PeersPage />);
    await screen.findByText('1–20 of 34 peers');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('21–34 of 34 peers');
    expect(query(calls.filter((c) => c.url.startsWith('/api/peers')).at(-1)!)).toMatchObject({ offset: '20', limit: '20' });

    // By address: old-tablet (10.0.0.3) and dev20..dev29 (10.0.0.30..39).
    await user.type(screen.getByLabelText('Search'), '10.0.0.3');
    await screen.findByText('1–11 of 11 peers');
    expect(rowOf('old-tablet')).toBeInTheDocument();
    const searches = calls.filter((c) => query(c).search !== undefined).map(query);
    expect(searches.at(-1)).toMatchObject({ search: '10.0.0.3', offset: '0' });
    expect(searches.length).toBeLessThanOrEqual(2);

    await user.clear(screen.getByLabelText('Search'));
    await user.type(screen.getByLabelText('Search'), 'nothing');
    expect(await screen.findByText('No peer matches.')).toBeInTheDocument();
  });

  it('shows the last handshake and the traffic, polled, as a chart', async () => {
    const user = userEvent.setup({ delay: null });
    let n = 0;
    const hs = new Date(Date.now() - 75_000).toISOString().replace(/\.\d+Z$/, 'Z');
    mockFetch(
      routes({
        'GET /api/wireguard/status': (c) => {
          if (query(c).peer === 'laptop')
            return json(
              200,
              wgStatus([
                peerStatus({
                  name: 'laptop',
                  endpoint: '198.51.100.7:40000',
                  latest_handshake: hs,
                  rx_bytes: 3 * 1024 * 1024,
                  tx_bytes: 2048,
                  rx_rate: 1536,
                  tx_rate: 100,
                  history: { rx_rate: [0, 512, 1536], tx_rate: [0, 50, 100] },
                }),
              ]),
            );
          n++;
          // A new sample each poll, then the same one again (adds nothing).
          const at = `2026-11-29T06:00:${String(Math.min(n, 3) * 5).padStart(2, '0')}Z`;
          return json(
            200,
            wgStatus(
              [
                peerStatus({ name: 'laptop', latest_handshake: hs, rx_rate: 1536 * n, tx_rate: 100, rx_bytes: 4096, tx_bytes: 2048 }),
                peerStatus({ name: 'printer', enabled: false }),
              ],
              { sampled_at: at },
            ),
          );
        },
      }),
    );
    renderWithProviders(<PeersPage statusRefetchMs={150} />);
    const laptop = await screen.findByRole('row', { name: /laptop/ });
    await waitFor(() => expect(within(laptop).getByTestId('peer-handshake')).toHaveTextContent(/^1m \d\ds ago$/));
    expect(within(rowOf('printer')).getByTestId('peer-handshake')).toHaveTextContent('never');
    expect(within(rowOf('phone')).getByTestId('peer-handshake')).toHaveTextContent('—');
    expect(within(laptop).getByTestId('peer-rates')).toHaveTextContent(/^in [\d.]+ KiB\/sout 100 B\/s$/);
    await waitFor(() => expect(within(laptop).getByTestId('traffic-sparkline')).toHaveAttribute('data-samples', '3'));
    expect(screen.getByTestId('vpn-state')).toHaveTextContent('VPN running on pic0, port 51820');
    // Still three samples: the later polls found the same sampled_at.
    await new Promise((r) => setTimeout(r, 400));
    expect(within(laptop).getByTestId('traffic-sparkline')).toHaveAttribute('data-samples', '3');

    // The peer's own history from picd, as a larger chart.
    await user.click(within(laptop).getByRole('button', { name: 'Traffic of laptop' }));
    const panel = await screen.findByTestId('peer-traffic');
    const chart = await within(panel).findByTestId('traffic-chart');
    expect(chart).toHaveAttribute('data-samples', '3');
    expect(within(chart).getByRole('img')).toHaveAccessibleName(
      'Traffic of laptop over the last 2m 25s: in up to 1.5 KiB/s, out up to 100 B/s.',
    );
    expect(within(panel).getByText('198.51.100.7:40000')).toBeInTheDocument();
    expect(within(panel).getByText('3.0 MiB')).toBeInTheDocument();
  });
});

describe('PeersPage: adding a peer', () => {
  it('checks as the API does and puts the API field error next to its input', async () => {
    const user = userEvent.setup({ delay: null });
    let posts = 0;
    const { calls } = mockFetch(
      routes({
        'POST /api/peers': () => (++posts, apiError(409, 'conflict', "name: there is already a peer 'laptop'", 'name')),
      }),
    );
    renderWithProviders(<PeersPage />);
    const form = await screen.findByRole('form', { name: 'Add peer' });
    const name = within(form).getByLabelText('Name');
    const key = within(form).getByLabelText('Public key (optional)');
    const keepalive = within(form).getByLabelText('Keepalive (s)');
    await user.type(name, 'Bad Name');
    await user.type(key, 'not-a-key');
    await user.clear(keepalive);
    await user.type(keepalive, '9999');
    await user.click(within(form).getByRole('button', { name: 'Add peer' }));
    expect(name).toHaveAccessibleDescription(/Lowercase letters, digits/);
    expect(key).toHaveAccessibleDescription(/44 characters/);
    expect(keepalive).toHaveAccessibleDescription('Between 0 and 3600.');
    expect(posts).toBe(0);

    await user.clear(name);
    await user.type(name, 'laptop');
    expect(within(form).getByTestId('peer-fqdn-preview')).toHaveTextContent('laptop.peers.test.cell');
    await user.clear(key);
    await user.clear(keepalive);
    await user.type(keepalive, '25');
    await user.click(within(form).getByRole('button', { name: 'Add peer' }));
    await waitFor(() => expect(name).toHaveAccessibleDescription("name: there is already a peer 'laptop'"));
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(key).not.toHaveAttribute('aria-invalid');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('puts an expiry error next to Expires, and a refusal without a field above the form', async () => {
    const user = userEvent.setup({ delay: null });
    let posts = 0;
    mockFetch(
      routes({
        'POST /api/peers': () =>
          ++posts === 1
            ? apiError(400, 'invalid_argument', 'expires must be in the future', 'expires')
            : apiError(409, 'conflict', 'there are already 250 peers, the most there may be'),
      }),
    );
    renderWithProviders(<PeersPage />);
    const form = await screen.findByRole('form', { name: 'Add peer' });
    await user.type(within(form).getByLabelText('Name'), 'guest');
    const expires = within(form).getByLabelText('Expires');
    fireEvent.change(expires, { target: { value: '2020-01-01T10:00' } });
    await user.click(within(form).getByRole('button', { name: 'Add peer' }));
    expect(expires).toHaveAccessibleDescription('Must be in the future; empty for never.');
    expect(posts).toBe(0);

    fireEvent.change(expires, { target: { value: '2099-06-30T12:00' } });
    await user.click(within(form).getByRole('button', { name: 'Add peer' }));
    await waitFor(() => expect(expires).toHaveAccessibleDescription('expires must be in the future'));

    await user.click(within(form).getByRole('button', { name: 'Add peer' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('Not added: there are already 250 peers, the most there may be');
    expect(expires).not.toHaveAttribute('aria-invalid');
  });

  it('sends the services, tunnel, keepalive and expiry (UTC), then shows the QR code, the config and the download', async () => {
    const user = userEvent.setup({ delay: null });
    csrf.set('csrf-1');
    const created = peer({ name: 'tablet', ip: '10.0.0.9', services: ['dns', 'files'], full_tunnel: true, keepalive: 0 });
    const { calls } = mockFetch(
      routes({
        'POST /api/peers': () => json(201, created),
        'GET /api/peers/tablet/config': configOf('tablet'),
      }),
    );
    renderWithProviders(<PeersPage />);
    const form = await screen.findByRole('form', { name: 'Add peer' });
    await user.type(within(form).getByLabelText('Name'), 'tablet');
    // Every service by default.
    const services = within(form).getByRole('group', { name: 'Services' });
    for (const s of ['Web UI', 'DNS', 'NTP', 'Mail', 'Calendar', 'Files']) expect(within(services).getByLabelText(s)).toBeChecked();
    for (const s of ['Web UI', 'NTP', 'Mail', 'Calendar']) await user.click(within(services).getByLabelText(s));
    await user.click(within(form).getByLabelText('Full tunnel'));
    await user.clear(within(form).getByLabelText('Keepalive (s)'));
    await user.type(within(form).getByLabelText('Keepalive (s)'), '0');
    fireEvent.change(within(form).getByLabelText('Expires'), { target: { value: '2099-06-30T12:00' } });
    const utc = new Date('2099-06-30T12:00').toISOString().replace(/\.\d+Z$/, 'Z');
    expect(within(form).getByTestId('expires-utc')).toHaveTextContent(formatTime(utc));
    await user.click(within(form).getByRole('button', { name: 'Add peer' }));

    const panel = await screen.findByTestId('peer-config');
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ name: 'tablet', services: ['dns', 'files'], full_tunnel: true, keepalive: 0, expires: utc });
    expect(post.headers['X-CSRF-Token']).toBe('csrf-1');
    expect(screen.getByText(/Peer tablet added with the address 10\.0\.0\.9/)).toBeInTheDocument();

    // The QR code is an image of the server's SVG, never markup in the page.
    const img = await within(panel).findByRole('img', { name: 'QR code of the config of tablet' });
    const src = img.getAttribute('src')!;
    expect(src.startsWith('data:image/svg+xml;base64,')).toBe(true);
    expect(atob(src.slice('data:image/svg+xml;base64,'.length))).toBe(QR_SVG);
    expect(panel.querySelector('svg')).toBeNull();
    expect(within(panel).getByLabelText('Config of tablet').textContent).toBe(CONF('tablet'));
    expect(within(panel).getByText(/holds the peer's private key/)).toBeInTheDocument();
    // The test cell has no public endpoint.
    expect(within(panel).getByText(/public endpoint is not set/)).toBeInTheDocument();

    const link = within(panel).getByRole('link', { name: 'Download .conf' });
    expect(link).toHaveAttribute('href', '/api/peers/tablet/config?format=conf');
    expect(link).toHaveAttribute('download', 'tablet.conf');
    await user.click(link);
    await waitFor(() => expect(saveBlob).toHaveBeenCalledTimes(1));
    const [blob, filename] = vi.mocked(saveBlob).mock.calls[0]!;
    expect(filename).toBe('tablet.conf');
    expect(await blob.text()).toBe(CONF('tablet'));
    expect(calls.filter((c) => c.url === '/api/peers/tablet/config?format=conf')).toHaveLength(1);

    // Done: the form is back, empty, with the defaults.
    await user.click(within(panel).getByRole('button', { name: 'Close' }));
    const again = await screen.findByRole('form', { name: 'Add peer' });
    expect(within(again).getByLabelText('Name')).toHaveValue('');
    expect(within(again).getByLabelText('Mail')).toBeChecked();
  });

  it('a peer with its own key: the key is sent, and the config says it lacks the private key', async () => {
    const user = userEvent.setup({ delay: null });
    const own = `${'Q'.repeat(42)}E=`;
    const { calls } = mockFetch(
      routes({
        'POST /api/peers': () => json(201, peer({ name: 'desk', public_key: own, key_kept_by_cell: false })),
        'GET /api/peers/desk/config': configOf('desk'),
      }),
    );
    renderWithProviders(<PeersPage />);
    const form = await screen.findByRole('form', { name: 'Add peer' });
    await user.type(within(form).getByLabelText('Name'), 'desk');
    await user.type(within(form).getByLabelText('Public key (optional)'), own);
    await user.click(within(form).getByRole('button', { name: 'Add peer' }));
    const panel = await screen.findByTestId('peer-config');
    expect(calls.find((c) => c.method === 'POST')!.body).toMatchObject({ name: 'desk', public_key: own });
    expect(await within(panel).findByText(/brought its own key/)).toBeInTheDocument();
  });
});

describe('PeersPage: one peer', () => {
  it('edits services, tunnel and keepalive with PUT of what changed; errors next to the field', async () => {
    const user = userEvent.setup({ delay: null });
    let puts = 0;
    const { calls } = mockFetch(
      routes({
        'PUT /api/peers/laptop': (c) =>
          ++puts === 1
            ? apiError(400, 'invalid_argument', 'keepalive must be 0 (off) to 3600 seconds', 'keepalive')
            : json(200, { ...PEERS[0], ...(c.body as object) }),
      }),
    );
    renderWithProviders(<PeersPage />);
    await screen.findByRole('table', { name: 'Peers' });
    await user.click(within(rowOf('laptop')).getByRole('button', { name: 'Edit laptop' }));
    const form = screen.getByRole('form', { name: 'Edit peer laptop' });

    // Nothing changed: nothing sent.
    await user.click(within(form).getByRole('button', { name: 'Save peer' }));
    expect(await screen.findByText('Peer laptop: nothing changed.')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    await user.click(within(rowOf('laptop')).getByRole('button', { name: 'Edit laptop' }));
    const edit = screen.getByRole('form', { name: 'Edit peer laptop' });
    expect(within(edit).getByLabelText('Calendar')).toBeChecked();
    await user.click(within(edit).getByLabelText('Calendar'));
    await user.click(within(edit).getByLabelText('Files'));
    await user.click(within(edit).getByLabelText('Full tunnel'));
    const keepalive = within(edit).getByLabelText('Keepalive (s)');
    await user.clear(keepalive);
    await user.type(keepalive, '60');
    await user.click(within(edit).getByRole('button', { name: 'Save peer' }));
    await waitFor(() => expect(keepalive).toHaveAccessibleDescription('keepalive must be 0 (off) to 3600 seconds'));
    expect(keepalive).toHaveAttribute('aria-invalid', 'true');

    await user.click(within(edit).getByRole('button', { name: 'Save peer' }));
    expect(await screen.findByText('Peer laptop saved.')).toBeInTheDocument();
    const sent = calls.filter((c) => c.method === 'PUT');
    expect(sent).toHaveLength(2);
    expect(sent[1]!.body).toEqual({ services: ['webui', 'dns', 'ntp', 'mail'], full_tunnel: true, keepalive: 60 });
    expect(screen.queryByRole('form', { name: 'Edit peer laptop' })).toBeNull();
  });

  it('sets and clears an expiry; a past one left alone is not sent again', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch(routes({ 'PUT /api/peers/old-tablet': (c) => json(200, { ...PEERS[1], ...(c.body as object) }) }));
    renderWithProviders(<PeersPage />);
    await screen.findByRole('table', { name: 'Peers' });
    await user.click(within(rowOf('old-tablet')).getByRole('button', { name: 'Edit old-tablet' }));
    let form = screen.getByRole('form', { name: 'Edit peer old-tablet' });
    expect(within(form).getByLabelText('Expires')).not.toHaveValue('');
    await user.click(within(form).getByLabelText('DNS'));
    await user.click(within(form).getByRole('button', { name: 'Save peer' }));
    await screen.findByText('Peer old-tablet saved.');
    expect(calls.filter((c) => c.method === 'PUT').at(-1)!.body).toEqual({
      services: ['webui', 'ntp', 'mail', 'calendar', 'files'],
    });

    await user.click(within(rowOf('old-tablet')).getByRole('button', { name: 'Edit old-tablet' }));
    form = screen.getByRole('form', { name: 'Edit peer old-tablet' });
    await user.click(within(form).getByRole('button', { name: 'Never expire' }));
    expect(within(form).getByLabelText('Expires')).toHaveValue('');
    await user.click(within(form).getByRole('button', { name: 'Save peer' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(2));
    expect(calls.filter((c) => c.method === 'PUT').at(-1)!.body).toEqual({ expires: null });
  });

  it('disables and enables a peer with one PUT each', async () => {
    const user = userEvent.setup({ delay: null });
    let stored = PEERS;
    const { calls } = mockFetch(
      routes({
        'GET /api/peers': (c) => listing(stored)(c),
        'PUT /api/peers/laptop': (c) => {
          const p = { ...stored[0]!, ...(c.body as Partial<Peer>) };
          stored = [p, ...stored.slice(1)];
          return json(200, p);
        },
        'PUT /api/peers/printer': (c) => json(200, { ...PEERS[3], ...(c.body as object) }),
      }),
    );
    renderWithProviders(<PeersPage />);
    await screen.findByRole('table', { name: 'Peers' });
    await user.click(within(rowOf('laptop')).getByRole('button', { name: 'Disable laptop' }));
    expect(await screen.findByText('Peer laptop disabled.')).toBeInTheDocument();
    await waitFor(() => expect(within(rowOf('laptop')).getByText('disabled')).toHaveAttribute('data-state', 'disabled'));
    expect(within(rowOf('laptop')).getByRole('button', { name: 'Enable laptop' })).toBeInTheDocument();
    await user.click(within(rowOf('printer')).getByRole('button', { name: 'Enable printer' }));
    expect(await screen.findByText('Peer printer enabled.')).toBeInTheDocument();
    const puts = calls.filter((c) => c.method === 'PUT').map((c) => [c.url, c.body]);
    expect(puts).toEqual([
      ['/api/peers/laptop', { enabled: false }],
      ['/api/peers/printer', { enabled: true }],
    ]);
  });

  it('deletes a peer only after confirming', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch(routes({ 'DELETE /api/peers/phone': () => new Response(null, { status: 204 }) }));
    renderWithProviders(<PeersPage />);
    await screen.findByRole('table', { name: 'Peers' });
    const row = rowOf('phone');
    await user.click(within(row).getByRole('button', { name: 'Delete' }));
    expect(within(row).getByText('Delete phone (10.0.0.4) and its keys? Its device loses the VPN.')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await user.click(within(row).getByRole('button', { name: 'Delete phone' }));
    expect(await screen.findByText('Peer phone deleted.')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/api/peers/phone']);
    await waitFor(() => expect(calls.filter((c) => c.url.startsWith('/api/peers?')).length).toBeGreaterThan(1));
  });

  it('shows the QR code of an existing peer, and the API refusal when there is no config', async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch(
      routes({
        'GET /api/peers/laptop/config': configOf('laptop'),
        'GET /api/peers/phone/config': () => apiError(409, 'conflict', "no config for peer 'phone': the cell's public endpoint or keys are not set"),
      }),
    );
    renderWithProviders(<PeersPage />);
    await screen.findByRole('table', { name: 'Peers' });
    await user.click(within(rowOf('laptop')).getByRole('button', { name: 'Show the QR code of laptop' }));
    const panel = await screen.findByTestId('peer-config');
    expect(await within(panel).findByRole('img', { name: 'QR code of the config of laptop' })).toBeInTheDocument();
    await user.click(within(rowOf('phone')).getByRole('button', { name: 'Show the QR code of phone' }));
    expect(await screen.findByRole('alert')).toHaveTextContent("Cannot load the config: no config for peer 'phone'");
    expect(screen.queryByRole('img', { name: /QR code/ })).toBeNull();
  });

  it('users see the peers and their traffic, without the means to change them', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch(routes());
    renderWithProviders(<PeersPage />, { me: { username: 'bob', role: 'user', auth: 'session' } });
    await screen.findByRole('table', { name: 'Peers' });
    expect(screen.queryByRole('form', { name: 'Add peer' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Edit|Disable|Enable|Delete|Show the QR/ })).toBeNull();
    await user.click(within(rowOf('laptop')).getByRole('button', { name: 'Traffic of laptop' }));
    expect(await screen.findByText('The VPN is not running, so there is no traffic to show.')).toBeInTheDocument();
    expect(calls.some((c) => /^\/api\/peers\/[^/]+\/config/.test(c.url))).toBe(false);
  });
});
