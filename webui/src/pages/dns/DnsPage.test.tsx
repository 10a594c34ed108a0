import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { csrf, type DnsRecord } from '../../api';
import { CONFIG } from '../../test/fixtures';
import { apiError, json, mockFetch, renderWithProviders, type Call } from '../../test/helpers';
import { DnsPage } from './DnsPage';

afterEach(() => vi.unstubAllGlobals());

const ZONE = 'test.cell';
const REC: DnsRecord[] = [
  { id: 1, name: '@', type: 'MX', value: 'mail', ttl: 300, priority: 10, fqdn: ZONE },
  { id: 2, name: '_sip._tcp', type: 'SRV', value: 'sip', ttl: 300, priority: 1, weight: 5, port: 5060, fqdn: `_sip._tcp.${ZONE}` },
  { id: 5, name: 'www', type: 'A', value: '192.0.2.7', ttl: 300, fqdn: `www.${ZONE}` },
  { id: 6, name: 'txt', type: 'TXT', value: 'say "hi"', ttl: 60, fqdn: `txt.${ZONE}` },
];
const many = (n: number): DnsRecord[] =>
  Array.from({ length: n }, (_, i) => ({ id: 100 + i, name: `h${i}`, type: 'A', value: `192.0.2.${i}`, ttl: 300, fqdn: `h${i}.${ZONE}` }));

function query(c: Call) {
  return Object.fromEntries(new URL(c.url, 'http://x').searchParams);
}

/** A server that pages and filters `all` as the API does. */
function listing(all: DnsRecord[]) {
  return (c: Call) => {
    const q = query(c);
    const s = (q.search ?? '').toLowerCase();
    const hits = all.filter((r) => (!s || r.name.includes(s) || r.value.toLowerCase().includes(s)) && (!q.type || r.type === q.type));
    const off = Number(q.offset ?? 0);
    return json(200, { records: hits.slice(off, off + Number(q.limit ?? 1000)), total: hits.length });
  };
}

function rowOf(fqdn: string, type?: string): HTMLElement {
  const rows = screen.getAllByRole('row').filter((tr) => tr.getAttribute('data-fqdn') === fqdn);
  const row = type ? rows.find((tr) => within(tr).queryByText(type)) : rows[0];
  if (!row) throw new Error(`no row for ${fqdn}`);
  return row;
}

describe('DnsPage', () => {
  it('lists the records with their full names and the data of each type', async () => {
    const { calls } = mockFetch({ 'GET /api/config': () => json(200, CONFIG), 'GET /api/dns/records': listing(REC) });
    renderWithProviders(<DnsPage />);
    const table = await screen.findByRole('table', { name: 'DNS records' });
    expect(within(table).getAllByRole('row')).toHaveLength(5);
    expect(within(rowOf(ZONE)).getByTestId('record-value')).toHaveTextContent('10 mail');
    expect(within(rowOf(`_sip._tcp.${ZONE}`)).getByTestId('record-value')).toHaveTextContent('1 5 5060 sip');
    expect(within(rowOf(`www.${ZONE}`)).getByRole('rowheader')).toHaveTextContent(`www.${ZONE}`);
    expect(within(rowOf(`txt.${ZONE}`)).getByTestId('record-value')).toHaveTextContent('say "hi"');
    expect(screen.getByText('1–4 of 4 records')).toBeInTheDocument();
    expect(await screen.findByTestId('dns-zone')).toHaveTextContent(ZONE);
    const get = calls.find((c) => c.url.startsWith('/api/dns/records'))!;
    expect(query(get)).toEqual({ limit: '20', offset: '0' });
  });

  it('searches and filters on the server, and pages with offset', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch({
      'GET /api/config': () => json(200, CONFIG),
      'GET /api/dns/records': listing([...REC, ...many(45)]),
    });
    renderWithProviders(<DnsPage />);
    await screen.findByText('1–20 of 49 records');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('21–40 of 49 records');
    expect(query(calls.at(-1)!)).toMatchObject({ offset: '20', limit: '20' });

    // A search starts at the first page again; it is sent once typing settles.
    await user.type(screen.getByLabelText('Search'), 'h4');
    await screen.findByText('1–6 of 6 records');
    const searches = calls.filter((c) => query(c).search !== undefined).map(query);
    expect(searches.at(-1)).toMatchObject({ search: 'h4', offset: '0' });
    // Not one request per keystroke (unless the machine is slower than the debounce).
    expect(searches.length).toBeLessThanOrEqual(2);

    await user.clear(screen.getByLabelText('Search'));
    await user.selectOptions(screen.getByLabelText('Filter by type'), 'SRV');
    await screen.findByText('1–1 of 1 records');
    expect(query(calls.at(-1)!)).toMatchObject({ type: 'SRV', offset: '0' });
    expect(rowOf(`_sip._tcp.${ZONE}`)).toBeInTheDocument();

    await user.type(screen.getByLabelText('Search'), 'nothing');
    expect(await screen.findByText('No record matches.')).toBeInTheDocument();
  });

  it('shows priority for MX and SRV, weight and port only for SRV', async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch({ 'GET /api/config': () => json(200, CONFIG), 'GET /api/dns/records': listing([]) });
    renderWithProviders(<DnsPage />);
    const form = await screen.findByRole('form', { name: 'New record' });
    const type = within(form).getByLabelText('Type');
    expect(within(form).queryByLabelText('Priority')).toBeNull();
    await user.selectOptions(type, 'MX');
    expect(within(form).getByLabelText('Priority')).toBeInTheDocument();
    expect(within(form).queryByLabelText('Port')).toBeNull();
    await user.selectOptions(type, 'SRV');
    expect(within(form).getByLabelText('Weight')).toBeInTheDocument();
    expect(within(form).getByLabelText('Port')).toBeInTheDocument();
    await user.selectOptions(type, 'TXT');
    expect(within(form).queryByLabelText('Priority')).toBeNull();
    expect(screen.getByText('The zone has no records yet.')).toBeInTheDocument();
  });

  it('creates an SRV record with the fields of its type only, and shows the full name as it is typed', async () => {
    const user = userEvent.setup({ delay: null });
    csrf.set('csrf-1');
    const created: DnsRecord = { id: 9, name: '_xmpp._tcp', type: 'SRV', value: 'chat', ttl: 300, priority: 5, weight: 0, port: 5222, fqdn: `_xmpp._tcp.${ZONE}` };
    const { calls } = mockFetch({
      'GET /api/config': () => json(200, CONFIG),
      'GET /api/dns/records': listing([]),
      'POST /api/dns/records': () => json(201, created),
    });
    renderWithProviders(<DnsPage />);
    const form = await screen.findByRole('form', { name: 'New record' });
    await user.selectOptions(within(form).getByLabelText('Type'), 'SRV');
    await user.type(within(form).getByLabelText('Name'), '_xmpp._tcp');
    expect(await within(form).findByTestId('fqdn-preview')).toHaveTextContent(`_xmpp._tcp.${ZONE}`);
    await user.type(within(form).getByLabelText('Value'), 'chat');
    await user.clear(within(form).getByLabelText('Priority'));
    await user.type(within(form).getByLabelText('Priority'), '5');
    await user.type(within(form).getByLabelText('Port'), '5222');
    await user.click(within(form).getByRole('button', { name: 'Create record' }));
    expect(await screen.findByText(`Record _xmpp._tcp.${ZONE} SRV created.`)).toBeInTheDocument();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ name: '_xmpp._tcp', type: 'SRV', value: 'chat', ttl: 300, priority: 5, weight: 0, port: 5222 });
    expect(post.headers['X-CSRF-Token']).toBe('csrf-1');
    // The form is ready for the next one.
    expect(within(form).getByLabelText('Name')).toHaveValue('');
  });

  it('checks as the API does, then puts the API field error next to its input', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch({
      'GET /api/config': () => json(200, CONFIG),
      'GET /api/dns/records': listing([]),
      'POST /api/dns/records': () => apiError(400, 'invalid_argument', 'value is a reserved address', 'value'),
    });
    renderWithProviders(<DnsPage />);
    const form = await screen.findByRole('form', { name: 'New record' });
    const name = within(form).getByLabelText('Name');
    const value = within(form).getByLabelText('Value');
    await user.type(name, 'Bad Name');
    await user.type(value, '300.1.1.1');
    await user.click(within(form).getByRole('button', { name: 'Create record' }));
    expect(name).toHaveAccessibleDescription(/labels of lowercase letters/);
    expect(value).toHaveAccessibleDescription(/An IPv4 address/);
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await user.clear(name);
    await user.type(name, 'www');
    await user.clear(value);
    await user.type(value, '0.0.0.0');
    await user.click(within(form).getByRole('button', { name: 'Create record' }));
    await waitFor(() => expect(value).toHaveAccessibleDescription('value is a reserved address'));
    expect(value).toHaveAttribute('aria-invalid', 'true');
    expect(name).not.toHaveAttribute('aria-invalid');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows a 409 clearly: by its field when it names one, else above the form', async () => {
    const user = userEvent.setup({ delay: null });
    let n = 0;
    mockFetch({
      'GET /api/config': () => json(200, CONFIG),
      'GET /api/dns/records': listing([]),
      'POST /api/dns/records': () =>
        ++n === 1
          ? apiError(409, 'conflict', "'webui' belongs to the cell: it is the name of its webui service", 'name')
          : apiError(409, 'conflict', 'the same record already exists (id 5)'),
    });
    renderWithProviders(<DnsPage />);
    const form = await screen.findByRole('form', { name: 'New record' });
    const name = within(form).getByLabelText('Name');
    await user.type(name, 'webui');
    await user.type(within(form).getByLabelText('Value'), '192.0.2.1');
    await user.click(within(form).getByRole('button', { name: 'Create record' }));
    await waitFor(() => expect(name).toHaveAccessibleDescription(/belongs to the cell/));

    await user.clear(name);
    await user.type(name, 'www');
    await user.click(within(form).getByRole('button', { name: 'Create record' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent(
      'Conflicts with the zone: the same record already exists (id 5)',
    );
    expect(name).not.toHaveAttribute('aria-invalid');
  });

  it('edits a record in place with PUT, errors next to the field', async () => {
    const user = userEvent.setup({ delay: null });
    let tries = 0;
    const { calls } = mockFetch({
      'GET /api/config': () => json(200, CONFIG),
      'GET /api/dns/records': listing(REC),
      'PUT /api/dns/records/1': (c) =>
        ++tries === 1
          ? apiError(400, 'invalid_argument', 'priority must be from 0 to 65535', 'priority')
          : json(200, { ...REC[0], ...(c.body as object), fqdn: ZONE }),
    });
    renderWithProviders(<DnsPage />);
    await screen.findByRole('table', { name: 'DNS records' });
    await user.click(within(rowOf(ZONE)).getByRole('button', { name: `Edit ${ZONE} MX` }));
    const form = screen.getByRole('form', { name: `Edit record ${ZONE}` });
    expect(within(form).getByLabelText('Name')).toHaveValue('@');
    expect(within(form).getByLabelText('Type')).toHaveValue('MX');
    expect(within(form).getByLabelText('Priority')).toHaveValue('10');
    const value = within(form).getByLabelText('Value');
    await user.clear(value);
    await user.type(value, 'mx2');
    await user.click(within(form).getByRole('button', { name: 'Save record' }));
    await waitFor(() =>
      expect(within(form).getByLabelText('Priority')).toHaveAccessibleDescription('priority must be from 0 to 65535'),
    );
    await user.click(within(form).getByRole('button', { name: 'Save record' }));
    expect(await screen.findByText(`Record ${ZONE} MX saved.`)).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: `Edit record ${ZONE}` })).toBeNull();
    const puts = calls.filter((c) => c.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect(puts[1]!.body).toEqual({ name: '@', type: 'MX', value: 'mx2', ttl: 300, priority: 10 });
  });

  it('deletes a record only after confirming', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch({
      'GET /api/config': () => json(200, CONFIG),
      'GET /api/dns/records': listing(REC),
      'DELETE /api/dns/records/5': () => new Response(null, { status: 204 }),
    });
    renderWithProviders(<DnsPage />);
    await screen.findByRole('table', { name: 'DNS records' });
    const row = rowOf(`www.${ZONE}`);
    await user.click(within(row).getByRole('button', { name: 'Delete' }));
    expect(within(row).getByText(`Delete www.${ZONE} A 192.0.2.7?`)).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await user.click(within(row).getByRole('button', { name: `Delete www.${ZONE}` }));
    expect(await screen.findByText(`Record www.${ZONE} A deleted.`)).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/api/dns/records/5']);
    // The list is asked for again.
    await waitFor(() => expect(calls.filter((c) => c.url.startsWith('/api/dns/records?')).length).toBeGreaterThan(1));
  });

  it('users read the zone without the means to change it', async () => {
    mockFetch({ 'GET /api/config': () => json(200, CONFIG), 'GET /api/dns/records': listing(REC) });
    renderWithProviders(<DnsPage />, { me: { username: 'bob', role: 'user', auth: 'session' } });
    await screen.findByRole('table', { name: 'DNS records' });
    expect(screen.queryByRole('form', { name: 'New record' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Edit|Delete/ })).toBeNull();
  });
});
