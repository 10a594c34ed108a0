import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Revision } from '../../api';
import { json, mockFetch, renderWithProviders } from '../../test/helpers';
import { PAGE_SIZE, RevisionsPage } from './RevisionsPage';

afterEach(() => vi.unstubAllGlobals());

const ALL: Revision[] = Array.from({ length: 45 }, (_, i) => {
  const n = 45 - i; // newest first
  return {
    number: n,
    time: '2026-11-29T06:00:00Z',
    actor: n === 1 ? 'pic init' : 'admin',
    summary: n === 30 ? 'config changed: domain' : `change ${n}`,
    diff: { changes: [{ entity: 'config', key: n === 30 ? 'domain' : 'public_endpoint', before: `old${n}`, after: `new${n}` }] },
  };
});

function serve() {
  return mockFetch({
    'GET /api/revisions': (call) => {
      const q = new URL(call.url, 'http://x').searchParams;
      const limit = Number(q.get('limit'));
      const before = q.has('before') ? Number(q.get('before')) : Infinity;
      return json(200, { revisions: ALL.filter((r) => r.number < before).slice(0, limit) });
    },
    'POST /api/revisions/30/rollback': () => json(200, { revision: 46 }),
  });
}

const shown = () =>
  within(screen.getByRole('list', { name: 'Revisions' }))
    .getAllByRole('listitem')
    .map((li) => Number(li.getAttribute('data-revision')));

describe('RevisionsPage', () => {
  it('pages with ?limit and &before, newest first', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = serve();
    renderWithProviders(<RevisionsPage />);
    await screen.findByText('#45');
    expect(shown()).toHaveLength(PAGE_SIZE);
    expect(shown()[0]).toBe(45);
    expect(calls[0]!.url).toBe(`/api/revisions?limit=${PAGE_SIZE + 1}`);
    expect(screen.getByRole('button', { name: 'Newer' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(shown()[0]).toBe(25));
    expect(calls.at(-1)!.url).toBe(`/api/revisions?limit=${PAGE_SIZE + 1}&before=26`);

    await user.click(screen.getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(shown()).toEqual([5, 4, 3, 2, 1]));
    expect(screen.getByRole('button', { name: 'Older' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(shown()[0]).toBe(25));
  });

  it('goes to a revision by number and filters the page', async () => {
    const user = userEvent.setup({ delay: null });
    serve();
    renderWithProviders(<RevisionsPage />);
    await screen.findByText('#45');
    await user.type(screen.getByLabelText('Go to revision'), '32');
    await user.click(screen.getByRole('button', { name: 'Go' }));
    await waitFor(() => expect(shown()[0]).toBe(32));
    await user.type(screen.getByLabelText('Filter'), 'domain');
    expect(shown()).toEqual([30]);
    await user.clear(screen.getByLabelText('Filter'));
    await user.type(screen.getByLabelText('Filter'), 'no such thing');
    expect(screen.getByText(/No revision on this page matches/)).toBeInTheDocument();
  });

  it('shows the diff of a revision and rolls back only after confirming', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = serve();
    renderWithProviders(<RevisionsPage />);
    await screen.findByText('#45');
    await user.click(screen.getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(shown()[0]).toBe(25));
    await user.click(screen.getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(shown()[0]).toBe(45));
    const item = screen.getByRole('list', { name: 'Revisions' }).querySelector('li[data-revision="30"]') as HTMLElement;
    await user.click(within(item).getByText('Diff of #30'));
    const diff = within(item).getByRole('table', { name: 'Changes in revision 30' });
    expect(within(diff).getByText('domain')).toBeVisible();
    expect(within(diff).getByText('new30')).toBeVisible();

    await user.click(within(item).getByRole('button', { name: 'Roll back to #30' }));
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    expect(within(item).getByText(/Restore the configuration as of #30/)).toBeInTheDocument();
    await user.click(within(item).getByRole('button', { name: 'Roll back' }));
    expect(await screen.findByText('Rolled back to revision #30; the result is revision #46.')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.url)).toEqual(['/api/revisions/30/rollback']);
  });

  it('the newest revision is marked current, with no rollback', async () => {
    serve();
    renderWithProviders(<RevisionsPage />);
    await screen.findByText('#45');
    const newest = screen.getByRole('list', { name: 'Revisions' }).querySelector('li[data-revision="45"]') as HTMLElement;
    expect(within(newest).getByText('current')).toBeInTheDocument();
    expect(within(newest).queryByRole('button', { name: /Roll back/ })).toBeNull();
  });
});
