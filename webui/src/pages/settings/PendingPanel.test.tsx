import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Pending } from '../../api';
import { PendingPanel } from './PendingPanel';

const STAGED: Pending = {
  changes: { domain: { from: 'cell', to: 'home.example' }, 'ports.dns': { from: 5353, to: 5354 } },
  confirm: null,
};

function setup(pending: Pending) {
  const handlers = { onApply: vi.fn(), onDiscard: vi.fn(), onConfirm: vi.fn() };
  render(<PendingPanel pending={pending} receivedAt={Date.now()} {...handlers} />);
  return handlers;
}

describe('PendingPanel', () => {
  it('lists each staged change from -> to', () => {
    setup(STAGED);
    const table = screen.getByRole('table', { name: 'Pending changes' });
    const domain = within(table).getByRole('row', { name: /domain/ });
    expect(within(domain).getByTestId('from')).toHaveTextContent('cell');
    expect(within(domain).getByTestId('to')).toHaveTextContent('home.example');
    const dns = within(table).getByRole('row', { name: /ports\.dns/ });
    expect(within(dns).getByTestId('to')).toHaveTextContent('5354');
    expect(screen.queryByTestId('confirm-countdown')).toBeNull();
  });

  it('applies with the confirm window the user chose', async () => {
    const user = userEvent.setup({ delay: null });
    const h = setup(STAGED);
    const win = screen.getByLabelText('Confirm window (seconds)');
    await user.clear(win);
    await user.type(win, '90');
    await user.click(screen.getByRole('button', { name: 'Apply changes' }));
    expect(h.onApply).toHaveBeenCalledWith(90);
  });

  it('refuses a confirm window outside 5..3600 and says why', async () => {
    const user = userEvent.setup({ delay: null });
    const h = setup(STAGED);
    const win = screen.getByLabelText('Confirm window (seconds)');
    await user.clear(win);
    await user.type(win, '2');
    expect(win).toHaveAttribute('aria-invalid', 'true');
    expect(win).toHaveAccessibleDescription('Between 5 and 3600.');
    expect(screen.getByRole('button', { name: 'Apply changes' })).toBeDisabled();
    await user.type(win, '{Enter}');
    expect(h.onApply).not.toHaveBeenCalled();
  });

  it('discards only after the second, explicit step', async () => {
    const user = userEvent.setup({ delay: null });
    const h = setup(STAGED);
    await user.click(screen.getByRole('button', { name: 'Discard' }));
    expect(h.onDiscard).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Discard changes' }));
    expect(h.onDiscard).toHaveBeenCalledTimes(1);
  });

  it('while a window is open: shows the countdown and Confirm, and no Apply', async () => {
    const user = userEvent.setup({ delay: null });
    const h = setup({
      changes: {},
      confirm: { revision: 7, previous_revision: 6, deadline: '2026-11-29T06:00:00Z', seconds_left: 45 },
    });
    expect(screen.getByTestId('countdown')).toHaveTextContent('0:45');
    expect(screen.getByText(/returns to revision #6/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Apply changes' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Confirm changes' }));
    expect(h.onConfirm).toHaveBeenCalledTimes(1);
  });

  it('says when nothing is pending', () => {
    setup({ changes: {}, confirm: null });
    expect(screen.getByText('No pending changes.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Apply changes' })).toBeNull();
  });
});
