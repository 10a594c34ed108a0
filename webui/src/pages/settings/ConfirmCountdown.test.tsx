import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfirmCountdown, secondsRemaining } from './ConfirmCountdown';

describe('ConfirmCountdown', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts down live from the seconds_left the server gave', () => {
    render(<ConfirmCountdown secondsLeft={60} receivedAt={Date.now()} total={60} />);
    expect(screen.getByTestId('countdown')).toHaveTextContent('1:00');
    const bar = screen.getByRole('progressbar', { name: 'Time left to confirm' });
    expect(bar).toHaveAttribute('aria-valuenow', '60');
    expect(bar).toHaveAttribute('aria-valuemax', '60');

    act(() => {
      vi.advanceTimersByTime(5_000);
    });
    expect(screen.getByTestId('countdown')).toHaveTextContent('0:55');
    expect(bar).toHaveAttribute('aria-valuenow', '55');

    act(() => {
      vi.advanceTimersByTime(50_000);
    });
    expect(screen.getByTestId('countdown')).toHaveTextContent('0:05');
  });

  it('counts from when the value arrived, not from the deadline (clock skew)', () => {
    const receivedAt = Date.now() - 10_000; // fetched 10 s ago
    render(<ConfirmCountdown secondsLeft={30} receivedAt={receivedAt} />);
    expect(screen.getByTestId('countdown')).toHaveTextContent('0:20');
  });

  it('never shows more than the server said, even when the value is newer than the clock tick', () => {
    render(<ConfirmCountdown secondsLeft={120} receivedAt={Date.now() + 400} />);
    expect(screen.getByTestId('countdown')).toHaveTextContent('2:00');
  });

  it('calls onExpire once at zero and says what happens next', () => {
    const onExpire = vi.fn();
    render(<ConfirmCountdown secondsLeft={3} receivedAt={Date.now()} onExpire={onExpire} />);
    expect(onExpire).not.toHaveBeenCalled();
    act(() => {
      vi.advanceTimersByTime(3_250);
    });
    expect(onExpire).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('countdown')).toBeNull();
    expect(screen.getByText(/Time is up/)).toBeInTheDocument();
    act(() => {
      vi.advanceTimersByTime(5_000);
    });
    expect(onExpire).toHaveBeenCalledTimes(1);
  });

  it('secondsRemaining clamps at zero', () => {
    expect(secondsRemaining(10, 0, 4_000)).toBe(6);
    expect(secondsRemaining(10, 0, 60_000)).toBe(0);
    expect(secondsRemaining(10, 1_000, 0)).toBe(10);
  });
});
