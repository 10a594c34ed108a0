import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { csrf, type User } from '../../api';
import { apiError, json, mockFetch, renderWithProviders } from '../../test/helpers';
import { UsersPage } from './UsersPage';

afterEach(() => vi.unstubAllGlobals());

const T = '2026-11-29T05:56:58Z';
function users(n: number): User[] {
  return Array.from({ length: n }, (_, i) => ({
    username: i === 0 ? 'admin' : `user${String(i).padStart(2, '0')}`,
    role: i === 0 ? 'admin' : 'user',
    created_at: T,
    updated_at: T,
  }));
}

describe('UsersPage', () => {
  it('pages through users, 10 at a time, and searches', async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch({ 'GET /api/users': () => json(200, { users: users(25) }) });
    renderWithProviders(<UsersPage />);
    const list = await screen.findByRole('list', { name: 'Users' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(10);
    expect(screen.getByText('1–10 of 25 users')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByText('21–25 of 25 users')).toBeInTheDocument();
    expect(within(list).getAllByRole('listitem')).toHaveLength(5);
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();
    expect(within(list).getByText('user24')).toBeInTheDocument();

    // A search goes back to the first page of its matches.
    await user.type(screen.getByLabelText('Search'), 'user1');
    expect(screen.getByText('1–10 of 10 users')).toBeInTheDocument();
    const names = within(list).getAllByRole('listitem').map((li) => li.getAttribute('data-user'));
    expect(names).toEqual(['user10', 'user11', 'user12', 'user13', 'user14', 'user15', 'user16', 'user17', 'user18', 'user19']);
    await user.clear(screen.getByLabelText('Search'));
    await user.type(screen.getByLabelText('Search'), 'nobody');
    expect(screen.getByText('No users')).toBeInTheDocument();
  });

  it('checks a new user as the API does and shows the API field error next to the field', async () => {
    const user = userEvent.setup({ delay: null });
    csrf.set('csrf-1');
    const { calls } = mockFetch({
      'GET /api/users': () => json(200, { users: users(1) }),
      'POST /api/users': () => apiError(400, 'invalid_argument', 'username is reserved', 'username'),
    });
    renderWithProviders(<UsersPage />);
    await screen.findByRole('list', { name: 'Users' });
    const name = screen.getByLabelText('Username');
    const pw = screen.getByLabelText('Password');

    await user.type(name, 'Bad Name');
    await user.type(pw, 'short');
    await user.click(screen.getByRole('button', { name: 'Create user' }));
    expect(name).toHaveAccessibleDescription(/Lowercase letters, digits/);
    expect(pw).toHaveAccessibleDescription('At least 8 characters.');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await user.clear(name);
    await user.type(name, 'root');
    await user.clear(pw);
    await user.type(pw, 'long enough password');
    await user.click(screen.getByRole('button', { name: 'Create user' }));
    await waitFor(() => expect(name).toHaveAccessibleDescription('username is reserved'));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ username: 'root', password: 'long enough password', role: 'user' });
    expect(post.headers['X-CSRF-Token']).toBe('csrf-1');
  });

  it('a conflict (no field) is shown for the form', async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch({
      'GET /api/users': () => json(200, { users: users(1) }),
      'POST /api/users': () => apiError(409, 'conflict', "user 'bob' exists"),
    });
    renderWithProviders(<UsersPage />);
    await screen.findByRole('list', { name: 'Users' });
    await user.type(screen.getByLabelText('Username'), 'bob');
    await user.type(screen.getByLabelText('Password'), 'long enough password');
    await user.click(screen.getByRole('button', { name: 'Create user' }));
    expect(await screen.findByRole('alert')).toHaveTextContent("Not created: user 'bob' exists");
  });

  it('deletes a user only after confirming', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = mockFetch({
      'GET /api/users': () => json(200, { users: users(2) }),
      'DELETE /api/users/user01': () => new Response(null, { status: 204, headers: { 'X-Request-Id': 'r' } }),
    });
    renderWithProviders(<UsersPage />);
    const row = (await screen.findAllByRole('listitem')).find((li) => li.getAttribute('data-user') === 'user01')!;
    await user.click(within(row).getByRole('button', { name: 'Delete' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await user.click(within(row).getByRole('button', { name: 'Delete user01' }));
    await screen.findByText('User user01 deleted.');
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/api/users/user01']);
  });
});
