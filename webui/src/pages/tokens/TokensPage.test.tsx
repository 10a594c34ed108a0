import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Token } from '../../api';
import { apiError, json, mockFetch, renderWithProviders } from '../../test/helpers';
import { TokensPage } from './TokensPage';

afterEach(() => vi.unstubAllGlobals());

const T = '2026-11-29T05:56:58Z';
const tok = (i: number, username = 'admin'): Token => ({
  id: `id${i}`,
  name: `tok-${i}`,
  username,
  scope: 'read',
  created_at: T,
  expires_at: null,
  last_used_at: null,
});

describe('TokensPage', () => {
  it('creates a token, shows its secret once, and checks the name as the API does', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch({
      'GET /api/auth/tokens': () => json(200, { tokens: [tok(1)] }),
      'POST /api/auth/tokens': (c) =>
        json(201, { ...tok(2), ...(c.body as object), token: 'pic_id2_s3cr3t' }),
    });
    renderWithProviders(<TokensPage />);
    await screen.findByText('tok-1');

    await user.type(screen.getByLabelText('Name'), 'Laptop');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription(/Lowercase letters, digits and '-'/);
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await user.clear(screen.getByLabelText('Name'));
    await user.type(screen.getByLabelText('Name'), 'laptop');
    await user.selectOptions(screen.getByLabelText('Scope'), 'admin');
    await user.type(screen.getByLabelText('Expires in (days)'), '30');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    expect(await screen.findByTestId('token-secret')).toHaveTextContent('pic_id2_s3cr3t');
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ name: 'laptop', scope: 'admin', expires_in_days: 30 });
    await user.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('token-secret')).toBeNull();
  });

  it("shows the API's field error next to the owner field", async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch({
      'GET /api/auth/tokens': () => json(200, { tokens: [] }),
      'POST /api/auth/tokens': () => apiError(404, 'not_found', "no user 'zed'", 'username'),
    });
    renderWithProviders(<TokensPage />);
    await screen.findByText('No tokens yet.');
    await user.type(screen.getByLabelText('Name'), 'ci');
    await user.type(screen.getByLabelText('Owner'), 'zed');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    await waitFor(() => expect(screen.getByLabelText('Owner')).toHaveAccessibleDescription("no user 'zed'"));
  });

  it('users get no admin scope and no owner field; admins can list everyone’s', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch({ 'GET /api/auth/tokens': () => json(200, { tokens: [tok(1, 'bob')] }) });
    const { unmount } = renderWithProviders(<TokensPage />, { me: { username: 'bob', role: 'user', auth: 'session' } });
    await screen.findByText('tok-1');
    expect(within(screen.getByLabelText('Scope')).queryByRole('option', { name: 'admin' })).toBeNull();
    expect(screen.queryByLabelText('Owner')).toBeNull();
    expect(screen.queryByLabelText("Everyone's")).toBeNull();
    unmount();

    renderWithProviders(<TokensPage />);
    await screen.findByText('tok-1');
    await user.click(screen.getByLabelText("Everyone's"));
    await waitFor(() => expect(calls.at(-1)!.url).toBe('/api/auth/tokens?all=1'));
  });

  it('revokes after confirming', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch({
      'GET /api/auth/tokens': () => json(200, { tokens: [tok(1), tok(2)] }),
      'DELETE /api/auth/tokens/id2': () => new Response(null, { status: 204 }),
    });
    renderWithProviders(<TokensPage />);
    const row = (await screen.findByText('tok-2')).closest('tr')!;
    await user.click(within(row).getByRole('button', { name: 'Revoke' }));
    await user.click(within(row).getByRole('button', { name: 'Revoke tok-2' }));
    await screen.findByText('Token revoked.');
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/api/auth/tokens/id2']);
  });
});
